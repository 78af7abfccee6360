# Copyright (c) mmseg_ext contributors. All rights reserved.
"""The exportable AdaptiveAvgPool2d equals F.adaptive_avg_pool2d."""
import pytest
import torch
import torch.nn.functional as F

from mmseg_ext.models.utils import AdaptiveAvgPool2d, bin_pooling_matrix
from ..export_support import legacy_export_kwargs


@pytest.mark.parametrize('size', [(7, 11), (5, 6), (13, 9), (1, 3), (4, 4)])
@pytest.mark.parametrize('bins', [1, 2, 3, 6, (2, 5)])
def test_equals_adaptive_avg_pool2d_values_and_gradients(size, bins):
    """float64, odd and non-divisible sizes (overlapping bins), and more
    bins than rows (bins repeat rows)."""
    g = torch.Generator().manual_seed(0)
    x = torch.randn(2, 3, *size, dtype=torch.float64, generator=g)
    outs, grads = [], []
    for pool in (AdaptiveAvgPool2d(bins),
                 lambda t: F.adaptive_avg_pool2d(t, bins)):
        leaf = x.clone().requires_grad_()
        out = pool(leaf)
        weight = torch.arange(out.numel(), dtype=out.dtype).view_as(out)
        out.backward(weight)
        outs.append(out)
        grads.append(leaf.grad)
    assert outs[0].shape == outs[1].shape
    torch.testing.assert_close(outs[0], outs[1], rtol=0, atol=1e-12)
    torch.testing.assert_close(grads[0], grads[1], rtol=0, atol=1e-12)


def test_bin_pooling_matrix_rows():
    # 7 rows into 3 bins: [0, 3), [2, 5), [4, 7) (overlapping).
    expected = torch.tensor([[1, 1, 1, 0, 0, 0, 0], [0, 0, 1, 1, 1, 0, 0],
                             [0, 0, 0, 0, 1, 1, 1]]) / 3
    torch.testing.assert_close(bin_pooling_matrix(7, 3), expected)


@pytest.mark.parametrize('bad', [0, (2, ), (2, 0), 1.5])
def test_bad_output_size(bad):
    with pytest.raises(ValueError, match='output_size'):
        AdaptiveAvgPool2d(bad)


def test_legacy_onnx_export_of_non_divisible_bins(tmp_path):
    """The legacy exporter refuses F.adaptive_avg_pool2d(6) on 7x11; the
    matrix form exports and runs in onnxruntime on another input."""
    import onnxruntime as ort
    model = torch.nn.Sequential(AdaptiveAvgPool2d(6)).eval()
    path = str(tmp_path / 'pool.onnx')
    torch.onnx.export(
        model, (torch.randn(1, 4, 7, 11), ),
        path,
        **legacy_export_kwargs(),
        opset_version=17)
    other = torch.randn(1, 4, 7, 11)
    session = ort.InferenceSession(path)
    got = session.run(None, {session.get_inputs()[0].name: other.numpy()})[0]
    torch.testing.assert_close(
        torch.from_numpy(got),
        F.adaptive_avg_pool2d(other, 6),
        rtol=0,
        atol=1e-6)
