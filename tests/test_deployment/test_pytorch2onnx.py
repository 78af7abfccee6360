# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Every model family exports (torch.export, and ONNX with the dynamo and
the legacy exporter) at a small fixed size, and the ONNX model matches
PyTorch in onnxruntime on a second input: max abs diff <= 1e-4, identical
argmax. Models are the families' shipped configs at small widths."""
import os.path as osp

import mmcv
import numpy as np
import onnxruntime  # noqa: F401  (test dependencies: fail if missing)
import onnxscript  # noqa: F401  (the dynamo exporter needs it)
import pytest
import torch

from ..export_support import HAS_DYNAMO_EXPORTER, NO_DYNAMO_REASON
from ..tiny_runs import REPO_ROOT, load_script

P2O = load_script('tools', 'deployment', 'pytorch2onnx.py')
SHAPE = (61, 83)  # odd, not a multiple of any output stride
ATOL = 1e-4
TINY_RESNET = {
    'model.backbone.depth': 18,
    'model.backbone.stem_channels': 8,
    'model.backbone.base_channels': 8,
}
#: family -> (config under configs/, overrides to small widths)
FAMILIES = {
    'refinenet': ('refinenet/refinenet_r18-c32_1xb4-1k_demo-cityscapes-'
                  '256x512.py', {
                      **TINY_RESNET, 'model.decode_head.in_channels':
                      [8, 16, 32, 64],
                      'model.decode_head.channels':
                      8
                  }),
    'lw-refinenet': ('refinenet/lw-refinenet_r50b-d32_4xb4-40k_voc12aug-'
                     '512x512.py', {
                         **TINY_RESNET, 'model.decode_head.in_channels':
                         [8, 16, 32, 64],
                         'model.decode_head.channels':
                         8
                     }),
    'psp-upsample-presence':
    ('pspnet/psp-upsample-presence_r50-d8_4xb2-80k_cityscapes-512x1024.py', {
        **TINY_RESNET, 'model.decode_head.in_channels': 64,
        'model.decode_head.bottleneck_channels': 16,
        'model.decode_head.upsample_channels': (16, 8, 8),
        'model.auxiliary_head.0.in_channels': 32,
        'model.auxiliary_head.1.in_channels': 32
    }),
    'gscnn':
    ('gscnn/gscnn_r18-c32-d16_1xb4-1k_demo-cityscapes-256x512.py', {}),
}
EXPORTS = ('torch.export', 'dynamo', 'legacy')
_MODELS = {}


def _module(family):
    """The family's tensor forward at SHAPE (built once per session)."""
    if family not in _MODELS:
        config, options = FAMILIES[family]
        torch.manual_seed(0)
        model = P2O.build_model(
            osp.join(REPO_ROOT, 'configs', config), cfg_options=options)
        module = P2O.SegmentorTensorForward(model, SHAPE).eval()
        _MODELS[family] = module
    return _MODELS[family]


@pytest.mark.parametrize('exporter', EXPORTS)
@pytest.mark.parametrize('family', tuple(FAMILIES))
def test_export_matches_pytorch_on_another_input(family, exporter, tmp_path):
    if exporter != 'legacy' and not HAS_DYNAMO_EXPORTER:
        pytest.skip(NO_DYNAMO_REASON)
    module = _module(family)
    example = P2O.make_inputs(SHAPE, seed=0)
    other = P2O.make_inputs(SHAPE, seed=1)
    P2O.check_tensor_contract(module, example)
    if exporter == 'torch.export':
        with torch.no_grad():
            program = torch.export.export(module, (example, ))
            got, expected = program.module()(other), module(other)
        diff = (got - expected).abs().max().item()
        agree = (got.argmax(1) == expected.argmax(1)).float().mean().item()
    else:
        path = str(tmp_path / f'{family}.onnx')
        P2O.export_onnx(module, example, path, exporter, opset=17)
        diff, agree = P2O.compare_onnx(module, path, other)
    assert diff <= ATOL and agree == 1, (diff, agree)


def _tiny_checkpoint(tmp_path):
    """A tiny RefineNet config and a checkpoint of its random weights in
    mmengine's format."""
    config = tmp_path / 'tiny.py'
    config.write_text(
        "_base_ = '" +
        osp.join(REPO_ROOT, 'configs', FAMILIES['refinenet'][0]) + "'\n"
        'model = dict(\n'
        '    backbone=dict(depth=18, stem_channels=8, base_channels=8),\n'
        '    decode_head=dict(in_channels=[8, 16, 32, 64], channels=8))\n')
    torch.manual_seed(3)
    model = P2O.build_model(str(config))
    checkpoint = tmp_path / 'tiny.pth'
    torch.save({'meta': {}, 'state_dict': model.state_dict()}, checkpoint)
    return str(config), str(checkpoint)


def test_tool_exports_and_reports_the_difference(tmp_path, capsys):
    config, checkpoint = _tiny_checkpoint(tmp_path)
    out = tmp_path / 'out.onnx'
    image = str(tmp_path / 'street.png')
    rng = np.random.default_rng(0)
    mmcv.imwrite(rng.integers(0, 256, (50, 70, 3), dtype=np.uint8), image)
    rc = P2O.main([
        config, checkpoint, '--shape', '45', '67', '--out',
        str(out), '--legacy', '--image', image
    ])
    text = capsys.readouterr().out
    assert rc == 0, text
    assert out.is_file()
    assert f'onnxruntime vs PyTorch on {image}' in text
    assert 'input: float32 (N, 3, 45, 67), RGB channel order' in text
    assert 'mean=[123.675, 116.28, 103.53]' in text
    assert 'argmax agreement 100.0000 %' in text
    diff = float(text.split('max abs diff ')[1].split(',')[0])
    assert diff <= ATOL
    # The checkpoint was loaded: a model with other weights differs.
    model = P2O.build_model(config, checkpoint)
    saved = torch.load(checkpoint, weights_only=True)['state_dict']
    assert torch.equal(model.decode_head.conv_seg.weight,
                       saved['decode_head.conv_seg.weight'])


def test_tool_fails_over_tolerance(tmp_path, capsys):
    config, checkpoint = _tiny_checkpoint(tmp_path)
    rc = P2O.main([
        config, checkpoint, '--shape', '45', '67', '--out',
        str(tmp_path / 'x.onnx'), '--atol', '-1', '--legacy'
    ])
    assert rc == 1
    assert 'FAILED' in capsys.readouterr().err


def test_extra_output_channel_is_refused():
    """An edge logit appended to the class logits breaks every argmax."""
    module = _module('refinenet')
    model = module.model
    encode_decode = model.encode_decode

    def with_edge_channel(inputs, metas):
        logits = encode_decode(inputs, metas)
        return torch.cat([logits, logits[:, :1]], dim=1)

    model.encode_decode = with_edge_channel
    try:
        with pytest.raises(RuntimeError, match='num_classes=19'):
            P2O.check_tensor_contract(module, P2O.make_inputs(SHAPE, seed=0))
    finally:
        del model.encode_decode
