# Copyright (c) mmseg_ext contributors. All rights reserved.
"""tools/model_converters/gscnn2mmseg.py on a synthetic official checkpoint.

The checkpoint is built here from the layout of nv-tlabs/GSCNN
(``network/gscnn.py``, ``network/wider_resnet.py``,
``my_functionals/GatedSpatialConv.py``): its key names and shapes, with
``module.`` prefixes. Every tensor is a zero-memory expanded scalar whose
value identifies its official key, so the test follows each key through
the conversion; the target model is built on the ``meta`` device.
"""
import os.path as osp
from collections import OrderedDict

import numpy as np
import pytest
import torch

from ..tiny_runs import REPO_ROOT
from .converter_scripts import load_converter, run_converter

CONFIG = osp.join(REPO_ROOT, 'configs', 'gscnn',
                  'gscnn_wrn38-d8_8xb1-65k_cityscapes-720x720.py')
WRN38_BLOCKS = (3, 3, 6, 3, 1, 1)
WRN38_CHANNELS = ((128, 128), (256, 256), (512, 512), (512, 1024),
                  (512, 1024, 2048), (1024, 2048, 4096))

conv = load_converter('gscnn2mmseg')
checks = load_converter('conversion_checks')


def official_shapes(num_classes=19, batches_tracked=True):
    """Key -> shape of the official GSCNN (WRN38-A2) state dict."""
    shapes = OrderedDict()

    def conv2d(name, c_out, c_in, k, bias=False):
        shapes[f'{name}.weight'] = (c_out, c_in, k, k)
        if bias:
            shapes[f'{name}.bias'] = (c_out, )

    def bn(name, c):
        for p in ('weight', 'bias', 'running_mean', 'running_var'):
            shapes[f'{name}.{p}'] = (c, )
        if batches_tracked:
            shapes[f'{name}.num_batches_tracked'] = ()

    conv2d('mod1.conv1', 64, 3, 3)
    c_in = 64
    for m, (num, ch) in enumerate(zip(WRN38_BLOCKS, WRN38_CHANNELS)):
        for b in range(num):
            p = f'mod{m + 2}.block{b + 1}'
            bn(f'{p}.bn1.0', c_in)
            if len(ch) == 2:
                conv2d(f'{p}.convs.conv1', ch[0], c_in, 3)
                bn(f'{p}.convs.bn2.0', ch[0])
                conv2d(f'{p}.convs.conv2', ch[1], ch[0], 3)
            else:
                conv2d(f'{p}.convs.conv1', ch[0], c_in, 1)
                bn(f'{p}.convs.bn2.0', ch[0])
                conv2d(f'{p}.convs.conv2', ch[1], ch[0], 3)
                bn(f'{p}.convs.bn3.0', ch[1])
                conv2d(f'{p}.convs.conv3', ch[2], ch[1], 1)
            if b == 0:  # every module changes the width in its first block
                conv2d(f'{p}.proj_conv', ch[-1], c_in, 1)
            c_in = ch[-1]
    for i, c in ((1, 64), (3, 256), (4, 512), (7, 4096)):
        conv2d(f'dsn{i}', 1, c, 1, bias=True)
    for i, (c, c_out) in enumerate(((64, 32), (32, 16), (16, 8)), 1):
        conv2d(f'res{i}.conv1', c, c, 3)
        bn(f'res{i}.bn1', c)
        conv2d(f'res{i}.conv2', c, c, 3)
        bn(f'res{i}.bn2', c)
        conv2d(f'd{i}', c_out, c, 1, bias=True)
        conv2d(f'gate{i}', c_out, c_out, 1)
        bn(f'gate{i}._gate_conv.0', c_out + 1)
        conv2d(f'gate{i}._gate_conv.1', c_out + 1, c_out + 1, 1, bias=True)
        conv2d(f'gate{i}._gate_conv.3', 1, c_out + 1, 1, bias=True)
        bn(f'gate{i}._gate_conv.4', 1)
    conv2d('fuse', 1, 8, 1)
    conv2d('cw', 1, 2, 1)
    for j in range(4):
        conv2d(f'aspp.features.{j}.0', 256, 4096, 1 if j == 0 else 3)
        bn(f'aspp.features.{j}.1', 256)
    conv2d('aspp.img_conv.0', 256, 4096, 1)
    bn('aspp.img_conv.1', 256)
    conv2d('aspp.edge_conv.0', 256, 1, 1)
    bn('aspp.edge_conv.1', 256)
    conv2d('bot_fine', 48, 128, 1)
    conv2d('bot_aspp', 256, 1536, 1)
    conv2d('final_seg.0', 256, 304, 3)
    bn('final_seg.1', 256)
    conv2d('final_seg.3', 256, 256, 3)
    bn('final_seg.4', 256)
    conv2d('final_seg.6', num_classes, 256, 1)
    return shapes


def synthetic_checkpoint(**kwargs):
    """``{'state_dict': {'module.<key>': tensor}}``, tensor i == i + 1."""
    state = OrderedDict()
    for i, (key, shape) in enumerate(official_shapes(**kwargs).items()):
        state[f'module.{key}'] = torch.tensor(float(i + 1)).expand(shape)
    return dict(state_dict=state, epoch=3, mean_iu=0.5, command='train.py')


@pytest.fixture(scope='module')
def model():
    return conv.build_target_model(CONFIG, 19)


EXPECTED = {
    'mod1.conv1.weight': 'backbone.mod1.conv1.weight',
    'mod7.block1.convs.bn3.0.running_var':
    'backbone.mod7.block1.convs.bn3.0.running_var',
    'mod4.block1.proj_conv.weight': 'backbone.mod4.block1.proj_conv.weight',
    'dsn3.weight': 'neck.side_convs.0.conv.weight',
    'dsn7.bias': 'neck.side_convs.2.conv.bias',
    'res2.bn1.running_mean': 'neck.res_blocks.1.bn1.running_mean',
    'd3.bias': 'neck.reduce_convs.2.conv.bias',
    'gate1.weight': 'neck.gates.0.conv.weight',
    'gate3._gate_conv.3.weight': 'neck.gates.2.attention.3.weight',
    'gate2._gate_conv.4.bias': 'neck.gates.1.attention.4.bias',
    'fuse.weight': 'neck.edge_conv.weight',
    'aspp.edge_conv.1.weight': 'decode_head.aspp.edge_branch.bn.weight',
    'aspp.features.0.0.weight': 'decode_head.aspp.aspp_modules.0.conv.weight',
    'aspp.features.3.1.running_mean':
    'decode_head.aspp.aspp_modules.3.bn.running_mean',
    'bot_aspp.weight': 'decode_head.aspp_bottleneck.conv.weight',
    'bot_fine.weight': 'decode_head.fine_bottleneck.conv.weight',
    'final_seg.3.weight': 'decode_head.decoder.1.conv.weight',
    'final_seg.4.bias': 'decode_head.decoder.1.bn.bias',
    'final_seg.6.weight': 'decode_head.conv_seg.weight',
}


@pytest.mark.parametrize('batches_tracked', (True, False))
def test_converts_official_layout(model, batches_tracked):
    checkpoint = synthetic_checkpoint(batches_tracked=batches_tracked)
    official = conv.unwrap_state_dict(checkpoint)
    assert 'mod1.conv1.weight' in official  # 'module.' stripped
    converted, unmapped, origins = conv.convert_gscnn(official)
    assert unmapped == []
    assert not any(
        k.startswith('neck.side_convs.3') or 'dsn' in k
        for k in converted), 'dsn1 is unused and dropped'
    assert origins['neck.gates.0.conv.weight'] == 'gate1.weight'
    filled = checks.check_against_model(converted, model, 'synthetic',
                                        unmapped, origins)
    assert list(filled) == list(model.state_dict())
    for official_key, our_key in EXPECTED.items():
        assert torch.equal(filled[our_key], official[official_key]), \
            official_key
    cw = official['cw.weight']
    fused = filled['neck.gradient_fusion.weight']
    assert torch.equal(fused[:, 0], cw[:, 0])
    assert torch.equal(fused[:, 1], cw[:, 1] * conv.CANNY_SCALE)
    assert torch.equal(filled['decode_head.conv_seg.bias'], torch.zeros(19))
    # The image-pooling BatchNorm (eval: y = (x - mean) * w / sqrt(var +
    # eps) + b) is folded into the conv, which has no BN here.
    pool = 'decode_head.aspp.image_pool.1.'
    assert not any(k.startswith(pool + 'bn') for k in filled)
    scale = official['aspp.img_conv.1.weight'] / torch.sqrt(
        official['aspp.img_conv.1.running_var'] + 1e-5)
    torch.testing.assert_close(
        filled[pool + 'conv.weight'],
        official['aspp.img_conv.0.weight'] * scale[:, None, None, None])
    torch.testing.assert_close(
        filled[pool + 'conv.bias'], official['aspp.img_conv.1.bias'] -
        official['aspp.img_conv.1.running_mean'] * scale)
    if not batches_tracked:
        assert filled['decode_head.decoder.0.bn.num_batches_tracked'] == 0


def test_other_checkpoint_is_refused_and_nothing_written(model, tmp_path):
    # A torchvision-style ResNet plus a renamed GSCNN classifier.
    state = synthetic_checkpoint()['state_dict']
    state = OrderedDict((k.replace('module.final_seg.', 'module.cls.'), v)
                        for k, v in state.items())
    state['module.layer1.0.conv1.weight'] = torch.zeros(64, 64, 1, 1)
    official = conv.unwrap_state_dict({'state_dict': state})
    with pytest.raises(conv.ConversionError, match='final_seg.6.weight'):
        conv.num_classes_of(official)
    converted, unmapped, _ = conv.convert_gscnn(official)
    assert 'layer1.0.conv1.weight' in unmapped
    with pytest.raises(conv.ConversionError) as err:
        checks.check_against_model(converted, model, 'other.pth', unmapped)
    message = str(err.value)
    assert 'nothing was written' in message
    assert 'missing keys' in message and 'decode_head.decoder' in message
    assert 'unexpected keys' in message and 'layer1.0.conv1' in message

    src, dst = tmp_path / 'other.pth', tmp_path / 'out.pth'
    state['module.final_seg.6.weight'] = torch.zeros(19, 256, 1, 1)
    torch.save({'state_dict': state}, src)
    with pytest.raises(conv.ConversionError, match='unexpected keys'):
        conv.convert_file(str(src), str(dst))
    assert not dst.exists()


def test_shape_and_class_count_mismatches_are_named(tmp_path):
    state = synthetic_checkpoint()['state_dict']
    state['module.gate2._gate_conv.1.weight'] = torch.zeros(16, 17, 1, 1)
    with pytest.raises(conv.ConversionError) as err:
        conv.convert_checked(conv.unwrap_state_dict(state), source='x.pth')
    assert (
        'neck.gates.1.attention.1.weight (from gate2._gate_conv.1.weight'
        '): expected (17, 17, 1, 1) by the model, got (16, 17, 1, 1)') in str(
            err.value)
    # 21 classes into the (19-class) config the user named: refused; the
    # default config takes the checkpoint's classes.
    official = conv.unwrap_state_dict(synthetic_checkpoint(num_classes=21))
    with pytest.raises(conv.ConversionError) as err:
        conv.convert_checked(official, CONFIG)
    assert 'predicts 21 classes' in str(err.value)
    assert 'decode_head.num_classes' in str(err.value)
    assert 'is 19' in str(err.value)
    converted = conv.convert_checked(official)
    assert converted['decode_head.conv_seg.weight'].shape[0] == 21


def test_convert_file_writes_a_loadable_checkpoint(tmp_path):
    src, dst = tmp_path / 'gscnn.pth', tmp_path / 'converted.pth'
    checkpoint = synthetic_checkpoint()
    checkpoint['mean_iu'] = np.float64(0.8)  # as the official train.py
    torch.save(checkpoint, src)
    proc = run_converter('gscnn2mmseg', [str(src), str(dst)])
    assert proc.returncode == 1
    assert '--no-weights-only' in proc.stderr
    assert not dst.exists()
    conv.convert_file(str(src), str(dst), CONFIG, weights_only=False)
    saved = torch.load(dst, map_location='cpu', weights_only=True)
    assert saved['meta']['num_classes'] == 19
    assert 'neck.gradient_fusion.weight' in saved['state_dict']
