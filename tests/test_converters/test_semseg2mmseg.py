# Copyright (c) mmseg_ext contributors. All rights reserved.
"""tools/model_converters/semseg2mmseg.py on synthetic semseg checkpoints.

The checkpoints are built here from the layout of hszhao/semseg's PSPNet
(``model/pspnet.py``, ``model/resnet.py``): key names, shapes, and a
functional re-statement of its forward pass (deep stem, dilated layer3/4
with every block dilated, PPM and logits upsampled with
``align_corners=True``) that the converted mmseg model must reproduce.
"""
import os.path as osp
from collections import OrderedDict

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm
from mmengine.runner import load_checkpoint
from mmseg.registry import MODELS

from ..tiny_runs import REPO_ROOT
from .converter_scripts import load_converter, run_converter

CONFIG_DIR = osp.join(REPO_ROOT, 'configs', 'pspnet')
BLOCKS = {50: (3, 4, 6, 3), 101: (3, 4, 23, 3)}

conv = load_converter('semseg2mmseg')


def official_shapes(depth=50, width=64, mid=512, aux_mid=256, classes=19):
    """Key -> shape of a semseg PSPNet (``width`` = 64 for the real one)."""
    shapes = OrderedDict()

    def bn(prefix, n):
        for name in ('weight', 'bias', 'running_mean', 'running_var'):
            shapes[f'{prefix}.{name}'] = (n, )
        shapes[f'{prefix}.num_batches_tracked'] = ()

    stem = [(3, width), (width, width), (width, 2 * width)]
    for (cin, cout), (c, b) in zip(stem, ((0, 1), (3, 4), (6, 7))):
        shapes[f'layer0.{c}.weight'] = (cout, cin, 3, 3)
        bn(f'layer0.{b}', cout)
    inplanes = 2 * width
    for layer, num in enumerate(BLOCKS[depth], start=1):
        planes = width * 2**(layer - 1)
        for block in range(num):
            p = f'layer{layer}.{block}'
            shapes[f'{p}.conv1.weight'] = (planes, inplanes, 1, 1)
            bn(f'{p}.bn1', planes)
            shapes[f'{p}.conv2.weight'] = (planes, planes, 3, 3)
            bn(f'{p}.bn2', planes)
            shapes[f'{p}.conv3.weight'] = (4 * planes, planes, 1, 1)
            bn(f'{p}.bn3', 4 * planes)
            if block == 0:
                shapes[f'{p}.downsample.0.weight'] = (4 * planes, inplanes, 1,
                                                      1)
                bn(f'{p}.downsample.1', 4 * planes)
            inplanes = 4 * planes
    feat = inplanes
    for i in range(4):
        shapes[f'ppm.features.{i}.1.weight'] = (feat // 4, feat, 1, 1)
        bn(f'ppm.features.{i}.2', feat // 4)
    for branch, cin, cmid in (('cls', 2 * feat, mid), ('aux', feat // 2,
                                                       aux_mid)):
        shapes[f'{branch}.0.weight'] = (cmid, cin, 3, 3)
        bn(f'{branch}.1', cmid)
        shapes[f'{branch}.4.weight'] = (classes, cmid, 1, 1)
        shapes[f'{branch}.4.bias'] = (classes, )
    return shapes


def random_state(shapes, seed=0):
    g = torch.Generator().manual_seed(seed)
    state = OrderedDict()
    for key, shape in shapes.items():
        if key.endswith('num_batches_tracked'):
            state[key] = torch.tensor(7)
        elif key.endswith('running_var') or (key.endswith('.weight')
                                             and len(shape) == 1):
            state[key] = torch.rand(shape, generator=g) * 0.5 + 0.75
        elif len(shape) == 4:
            fan_in = shape[1] * shape[2] * shape[3]
            state[key] = torch.randn(shape, generator=g) / fan_in**0.5
        else:
            state[key] = torch.randn(shape, generator=g) * 0.1
    return state


def reference_forward(sd, x):
    """semseg PSPNet (eval) from its raw state dict: (main, aux) logits."""

    def bn(t, p):
        return F.batch_norm(t, sd[f'{p}.running_mean'], sd[f'{p}.running_var'],
                            sd[f'{p}.weight'], sd[f'{p}.bias'], False, 0.,
                            1e-5)

    size = x.shape[2:]
    for c, b, stride in ((0, 1, 2), (3, 4, 1), (6, 7, 1)):
        x = F.relu(
            bn(
                F.conv2d(x, sd[f'layer0.{c}.weight'], None, stride, 1),
                f'layer0.{b}'))
    x = F.max_pool2d(x, 3, 2, 1)
    feats = []
    for layer, dilation in ((1, 1), (2, 1), (3, 2), (4, 4)):
        block = 0
        while f'layer{layer}.{block}.conv1.weight' in sd:
            p = f'layer{layer}.{block}'
            stride = 2 if (layer == 2 and block == 0) else 1
            out = F.relu(bn(F.conv2d(x, sd[f'{p}.conv1.weight']), f'{p}.bn1'))
            out = F.relu(
                bn(
                    F.conv2d(out, sd[f'{p}.conv2.weight'], None, stride,
                             dilation, dilation), f'{p}.bn2'))
            out = bn(F.conv2d(out, sd[f'{p}.conv3.weight']), f'{p}.bn3')
            if block == 0:
                x = bn(
                    F.conv2d(x, sd[f'{p}.downsample.0.weight'], None, stride),
                    f'{p}.downsample.1')
            x = F.relu(out + x)
            block += 1
        feats.append(x)
    pooled = [x]
    for i, bins in enumerate((1, 2, 3, 6)):
        p = F.adaptive_avg_pool2d(x, bins)
        p = F.relu(
            bn(
                F.conv2d(p, sd[f'ppm.features.{i}.1.weight']),
                f'ppm.features.{i}.2'))
        pooled.append(
            F.interpolate(p, x.shape[2:], mode='bilinear', align_corners=True))

    def classifier(t, branch):
        t = F.relu(
            bn(
                F.conv2d(t, sd[f'{branch}.0.weight'], None, 1, 1),
                f'{branch}.1'))
        t = F.conv2d(t, sd[f'{branch}.4.weight'], sd[f'{branch}.4.bias'])
        return F.interpolate(t, size, mode='bilinear', align_corners=True)

    main = classifier(torch.cat(pooled, 1), 'cls')
    return main, classifier(feats[2], 'aux')


def write_tiny_config(tmp_path, width=4, mid=32, aux_mid=8, classes=5):
    """The converted-weights config at reduced widths, as a file."""
    base = osp.join(CONFIG_DIR, 'pspnet_r50-d8-semseg_cityscapes-713x713.py')
    path = tmp_path / 'tiny_pspnet.py'
    path.write_text(
        f'_base_ = {base!r}\n'
        'model = dict(\n'
        f'    backbone=dict(stem_channels={2 * width}, '
        f'base_channels={width}),\n'
        f'    decode_head=dict(in_channels={32 * width}, channels={mid}, '
        f'num_classes={classes}),\n'
        f'    auxiliary_head=dict(in_channels={16 * width}, '
        f'channels={aux_mid}, num_classes={classes}),\n'
        "    test_cfg=dict(mode='whole'))\n")
    return str(path)


def tiny_mmseg_model(tmp_path, **kwargs):
    cfg = Config.fromfile(write_tiny_config(tmp_path, **kwargs))
    return revert_sync_batchnorm(MODELS.build(cfg.model))


def test_expected_keys_are_the_official_layout():
    for depth in (50, 101):
        shapes = official_shapes(depth)
        official = [k for k in shapes if 'num_batches_tracked' not in k]
        assert conv.expected_keys(depth) == official


@pytest.mark.parametrize('depth', (50, 101))
def test_converted_keys_and_shapes_fit_the_configs(depth):
    config = osp.join(CONFIG_DIR,
                      f'pspnet_r{depth}-d8-semseg_cityscapes-713x713.py')
    with torch.device('meta'):
        state = OrderedDict(
            (k, torch.empty(s)) for k, s in official_shapes(depth).items())
        model = MODELS.build(Config.fromfile(config).model)
    converted, meta = conv.convert_checked(state, config)
    assert meta == dict(depth=depth, num_classes=19)
    target = model.state_dict()
    assert list(converted) == list(target)
    assert all(converted[k].shape == target[k].shape for k in target)


def test_converted_model_reproduces_the_official_forward(tmp_path):
    official = random_state(
        official_shapes(width=4, mid=32, aux_mid=8, classes=5))
    converted, _ = conv.convert_checked(official, write_tiny_config(tmp_path))
    model = tiny_mmseg_model(tmp_path)
    model.load_state_dict(converted, strict=True)
    model.eval()
    x = torch.randn(1, 3, 41, 57)  # semseg needs 8k + 1
    metas = [dict(img_shape=(41, 57), ori_shape=(41, 57))]
    with torch.no_grad():
        ref_main, ref_aux = reference_forward(official, x)
        main = model.encode_decode(x, metas)
        aux = model.auxiliary_head.predict(
            model.extract_feat(x), metas, model.test_cfg)
    assert main.shape == ref_main.shape == (1, 5, 41, 57)
    torch.testing.assert_close(main, ref_main, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(aux, ref_aux, rtol=1e-4, atol=1e-5)


def test_wrapper_and_module_prefix_are_removed():
    official = random_state(
        official_shapes(width=4, mid=32, aux_mid=8, classes=5))
    bare, _ = conv.convert_semseg_pspnet(official)
    wrapped, _ = conv.convert_semseg_pspnet(
        dict(
            epoch=3,
            state_dict=OrderedDict(
                (f'module.{k}', v) for k, v in official.items())))
    assert list(bare) == list(wrapped)
    assert all(torch.equal(bare[k], wrapped[k]) for k in bare)
    # Checkpoints without num_batches_tracked (PyTorch < 0.4.1) convert.
    old = {k: v for k, v in official.items() if 'num_batches' not in k}
    assert len(conv.convert_semseg_pspnet(old)[0]) == len(old)


def test_cli_writes_a_checkpoint_mmengine_loads(tmp_path):
    official = random_state(
        official_shapes(width=4, mid=32, aux_mid=8, classes=5))
    src, dst = tmp_path / 'train_epoch_100.pth', tmp_path / 'out' / 'c.pth'
    torch.save(
        dict(
            epoch=100,
            state_dict={
                f'module.{k}': v
                for k, v in official.items()
            }), src)
    config = write_tiny_config(tmp_path)
    assert conv.main([str(src), str(dst), '--config', config]) == 0
    ckpt = torch.load(dst, map_location='cpu', weights_only=True)
    assert ckpt['meta']['depth'] == 50 and ckpt['meta']['num_classes'] == 5
    model = tiny_mmseg_model(tmp_path)
    load_checkpoint(model, str(dst), strict=True)


def test_wrong_shape_exits_non_zero_and_writes_nothing(tmp_path):
    official = random_state(
        official_shapes(width=4, mid=32, aux_mid=8, classes=5))
    official['cls.0.weight'] = torch.zeros(32, 255, 3, 3)  # 256 in channels
    src, dst = tmp_path / 'wrong.pth', tmp_path / 'out' / 'c.pth'
    torch.save(dict(state_dict=official), src)
    proc = run_converter(
        'semseg2mmseg',
        [str(src), str(dst), '--config',
         write_tiny_config(tmp_path)])
    assert proc.returncode != 0
    assert ('decode_head.bottleneck.conv.weight (from cls.0.weight): '
            'expected (32, 256, 3, 3) by the model, got (32, 255, 3, 3)'
            ) in proc.stderr
    assert 'nothing was written' in proc.stderr
    assert not dst.exists() and not dst.parent.exists()


def test_class_count_is_checked_against_a_given_config(tmp_path):
    official = random_state(
        official_shapes(width=4, mid=32, aux_mid=8, classes=5))
    config = write_tiny_config(tmp_path, classes=7)
    with pytest.raises(conv.ConversionError) as err:
        conv.convert_checked(official, config)
    assert 'predicts 5 classes' in str(err.value)
    assert 'decode_head.num_classes' in str(err.value)
    assert 'is 7' in str(err.value)


def test_another_model_is_rejected_and_nothing_written(tmp_path, capsys):
    # A torchvision-style ResNet-50 classifier: right block counts, wrong
    # stem and no PSP heads.
    shapes = official_shapes()
    other = OrderedDict(
        (k, torch.zeros(1)) for k in shapes
        if k.startswith(('layer1', 'layer2', 'layer3', 'layer4')))
    other['conv1.weight'] = torch.zeros(1)
    other['fc.weight'] = torch.zeros(1)
    with pytest.raises(conv.ConversionError) as err:
        conv.convert_semseg_pspnet(other)
    message = str(err.value)
    assert 'missing keys' in message and 'layer0.0.weight' in message
    assert 'cls.* (7, e.g. cls.0.weight)' in message
    assert 'unexpected keys' in message and 'fc.weight' in message
    src, dst = tmp_path / 'resnet50.pth', tmp_path / 'converted.pth'
    torch.save(other, src)
    assert conv.main([str(src), str(dst)]) == 1
    assert 'Nothing was written' in capsys.readouterr().err
    assert not dst.exists()


def test_wrong_depth_and_class_mismatch_are_named():
    with pytest.raises(conv.ConversionError, match=r'\(2, 2, 2, 2\)'):
        conv.convert_semseg_pspnet({
            f'layer{i}.{b}.conv1.weight': torch.zeros(1)
            for i in range(1, 5)
            for b in range(2)
        })
    official = random_state(
        official_shapes(width=4, mid=32, aux_mid=8, classes=5))
    official['aux.4.weight'] = torch.zeros(6, 8, 1, 1)
    with pytest.raises(conv.ConversionError, match='aux.4 predicts 6'):
        conv.convert_semseg_pspnet(official)
