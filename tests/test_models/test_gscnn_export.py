# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Gated-SCNN exports with its image gradient in the graph.

A tiny shape-stream model is exported at a fixed size (legacy ONNX
exporter, opset 17, and ``torch.export``) on one image and run on
*another*: the outputs must match PyTorch on that other image, which they
cannot if the example image's Canny edges were frozen into the graph.
"""
import numpy as np
import pytest
import torch
import torch.nn as nn

from ..export_support import (HAS_DYNAMO_EXPORTER, NO_DYNAMO_REASON,
                              legacy_export_kwargs, needs_dynamo_exporter)
from .test_gscnn import MEAN, NUM_CLASSES, STD, _demo_scene, build_segmentor

SIZE = (48, 64)


class SegLogits(nn.Module):
    """``encode_decode`` at a fixed size: normalised image -> logits."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model
        self.metas = [dict(img_shape=SIZE, pad_shape=SIZE, ori_shape=SIZE)]

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.model.encode_decode(inputs, self.metas)


def _image(seed: int) -> torch.Tensor:
    """A normalised (1, 3, H, W) street scene, RGB, as the preprocessor
    gives it (8-bit pixels, so un-normalising is exact to rounding)."""
    bgr = _demo_scene(seed, SIZE)
    rgb = torch.from_numpy(np.ascontiguousarray(bgr[..., ::-1])).float()
    mean, std = torch.tensor(MEAN), torch.tensor(STD)
    return ((rgb - mean) / std).permute(2, 0, 1)[None].contiguous()


@pytest.fixture(scope='module')
def exported():
    # a short hysteresis bound keeps the exported graph small; any bound
    # traces the same way
    model = build_segmentor(stride=1, image_gradient=dict(hysteresis_iters=32))
    model.eval()
    wrapper = SegLogits(model).eval()
    example, other = _image(0), _image(1)
    with torch.no_grad():
        expected = wrapper(other)
        # the two images have different edges: a frozen map would show
        assert not torch.equal(
            model.image_gradient(model.unnormalize(example)),
            model.image_gradient(model.unnormalize(other)))
    return wrapper, example, other, expected


def _check(actual: np.ndarray, expected: torch.Tensor) -> None:
    actual = torch.from_numpy(np.asarray(actual))
    assert actual.shape == (1, NUM_CLASSES, *SIZE)
    assert (actual - expected).abs().max() <= 1e-4
    assert torch.equal(actual.argmax(1), expected.argmax(1))


def test_legacy_onnx_export_runs_on_another_image(exported, tmp_path):
    ort = pytest.importorskip('onnxruntime')
    wrapper, example, other, expected = exported
    path = str(tmp_path / 'gscnn.onnx')
    with torch.no_grad():
        torch.onnx.export(
            wrapper, (example, ),
            path,
            **legacy_export_kwargs(),
            opset_version=17,
            input_names=['inputs'],
            output_names=['seg_logits'])
    session = ort.InferenceSession(path, providers=['CPUExecutionProvider'])
    (actual, ) = session.run(None, {'inputs': other.numpy()})
    _check(actual, expected)


@needs_dynamo_exporter
def test_torch_export_runs_on_another_image(exported):
    wrapper, example, other, expected = exported
    program = torch.export.export(wrapper, (example, ))
    with torch.no_grad():
        actual = program.module()(other)
    _check(actual.numpy(), expected)


@needs_dynamo_exporter
@pytest.mark.slow  # the dynamo exporter takes ~20 s on a shared CPU
def test_dynamo_onnx_export_runs_on_another_image(exported, tmp_path):
    ort = pytest.importorskip('onnxruntime')
    pytest.importorskip('onnxscript')
    wrapper, example, other, expected = exported
    path = str(tmp_path / 'gscnn_dynamo.onnx')
    torch.onnx.export(wrapper, (example, ), dynamo=True).save(path)
    session = ort.InferenceSession(path, providers=['CPUExecutionProvider'])
    (actual, ) = session.run(None,
                             {session.get_inputs()[0].name: other.numpy()})
    _check(actual, expected)


@pytest.mark.parametrize('tracer', ('jit', 'torch.export'))
def test_opencv_backend_refuses_to_be_traced(tracer):
    from mmseg_ext.models.utils import CannyImageGradient
    if tracer == 'torch.export' and not HAS_DYNAMO_EXPORTER:
        pytest.skip(NO_DYNAMO_REASON)
    trace = torch.jit.trace if tracer == 'jit' else torch.export.export
    with pytest.raises(RuntimeError, match="use image_gradient=dict"):
        trace(CannyImageGradient(backend='opencv'), (_image(0) * 50 + 100, ))
