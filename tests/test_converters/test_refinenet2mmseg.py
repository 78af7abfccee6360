# Copyright (c) mmseg_ext contributors. All rights reserved.
"""tools/model_converters/{refinenet,lwrefinenet}2mmseg.py on synthetic
state dicts with the key layout of DrSleep/refinenet-pytorch and
DrSleep/light-weight-refinenet, against an independent functional
re-statement of the official decoder forward."""
import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config, ConfigDict
from mmseg.registry import MODELS

from .converter_scripts import load_converter, run_converter

rf = load_converter('refinenet2mmseg')
lw = load_converter('lwrefinenet2mmseg')
checks = load_converter('conversion_checks')


def _official_state_dict(light_weight: bool,
                         base: int = 8,
                         widths=(16, 8, 8, 8),
                         num_classes: int = 5,
                         blocks=(3, 4, 6, 3)):
    """A state dict with the key layout and shapes of DrSleep's
    ``RefineNet`` / ``ResNetLW`` (torchvision ResNet encoder), scaled down:
    written from the official naming scheme, independent of the
    converter."""
    g = torch.Generator().manual_seed(0)
    sd = {}

    def conv(name, c_out, c_in, k, bias=False):
        sd[f'{name}.weight'] = torch.randn(c_out, c_in, k, k, generator=g)
        sd[f'{name}.weight'] /= (c_in * k * k)**0.5
        if bias:
            sd[f'{name}.bias'] = 0.1 * torch.randn(c_out, generator=g)

    def bn(name, c):
        sd[f'{name}.weight'] = 0.5 + torch.rand(c, generator=g)
        sd[f'{name}.bias'] = 0.1 * torch.randn(c, generator=g)
        sd[f'{name}.running_mean'] = 0.1 * torch.randn(c, generator=g)
        sd[f'{name}.running_var'] = 0.5 + torch.rand(c, generator=g)
        sd[f'{name}.num_batches_tracked'] = torch.tensor(7)

    def rcus(prefix, c, n):
        for r in range(1, n + 1):
            conv(f'{prefix}.0.{r}_conv', c, c, 3, bias=True)
            conv(f'{prefix}.0.{r}_conv_relu_varout_dimred', c, c, 3)

    conv('conv1', base, 3, 7)
    bn('bn1', base)
    in_planes, stage_channels = base, []
    for i, n in enumerate(blocks):
        planes = base * 2**i
        for j in range(n):
            p = f'layer{i + 1}.{j}'
            conv(f'{p}.conv1', planes, in_planes, 1)
            bn(f'{p}.bn1', planes)
            conv(f'{p}.conv2', planes, planes, 3)
            bn(f'{p}.bn2', planes)
            conv(f'{p}.conv3', planes * 4, planes, 1)
            bn(f'{p}.bn3', planes * 4)
            if j == 0:
                conv(f'{p}.downsample.0', planes * 4, in_planes, 1)
                bn(f'{p}.downsample.1', planes * 4)
            in_planes = planes * 4
        stage_channels.append(in_planes)
    k = 1 if light_weight else 3
    for p in range(1, 5):
        w = widths[p - 1]
        conv(f'p_ims1d2_outl{p}_dimred', w, stage_channels[4 - p], k)
        if not light_weight:
            rcus(f'adapt_stage{p}_b', w, 2)
        if p > 1:
            conv(f'adapt_stage{p}_b2_joint_varout_dimred', w, w, k)
        for i in range(1, 5):
            conv(f'mflow_conv_g{p}_pool.0.{i}_outvar_dimred', w, w, k)
        if not light_weight:
            rcus(f'mflow_conv_g{p}_b', w, 3)
        if p < 4:
            conv(f'mflow_conv_g{p}_b3_joint_varout_dimred', widths[p], w, k)
    conv('clf_conv', num_classes, widths[3], 3, bias=True)
    return sd


def _official_decoder(sd, feats, light_weight):
    """The official decoder forward (eval mode), written functionally on
    the official keys: RCU = relu-conv-relu-conv + x; CRP = relu, then
    top = conv(maxpool(top)), x += top; align_corners=True upsampling."""

    def conv(x, name):
        w = sd[f'{name}.weight']
        return F.conv2d(x, w, sd.get(f'{name}.bias'), padding=w.shape[-1] // 2)

    def rcus(x, prefix, n):
        for r in range(1, n + 1):
            y = conv(F.relu(x), f'{prefix}.0.{r}_conv')
            x = conv(F.relu(y), f'{prefix}.0.{r}_conv_relu_varout_dimred') + x
        return x

    x = None
    for p in range(1, 5):
        y = conv(feats[4 - p], f'p_ims1d2_outl{p}_dimred')
        if not light_weight:
            y = rcus(y, f'adapt_stage{p}_b', 2)
        if p > 1:
            y = conv(y, f'adapt_stage{p}_b2_joint_varout_dimred') + x
        y = top = F.relu(y)
        for i in range(1, 5):
            top = conv(
                F.max_pool2d(top, 5, 1, 2),
                f'mflow_conv_g{p}_pool.0.{i}_outvar_dimred')
            y = top + y
        if not light_weight:
            y = rcus(y, f'mflow_conv_g{p}_b', 3)
        if p < 4:
            x = F.interpolate(
                conv(y, f'mflow_conv_g{p}_b3_joint_varout_dimred'),
                size=feats[3 - p].shape[2:],
                mode='bilinear',
                align_corners=True)
    return conv(y, 'clf_conv')


def _tiny_model(light_weight: bool):
    head = 'LightWeightRefineNetHead' if light_weight else 'RefineNetHead'
    return MODELS.build(
        dict(
            type='EncoderDecoder',
            backbone=dict(
                type='ResNet', depth=50, stem_channels=8, base_channels=8),
            decode_head=dict(
                type=head,
                in_channels=[32, 64, 128, 256],
                in_index=[0, 1, 2, 3],
                channels=8,
                num_classes=5,
                align_corners=True),
            train_cfg=ConfigDict(),
            test_cfg=ConfigDict(mode='whole')))


@pytest.mark.parametrize('light_weight', [False, True])
def test_converter_round_trip_and_logit_parity(light_weight):
    official = _official_state_dict(light_weight)
    assert rf.infer_depth_and_classes(official) == (50, 5)
    converted, unmapped, origins = rf.convert_refinenet(official)
    assert unmapped == []
    assert origins['decode_head.conv_seg.bias'] == 'clf_conv.bias'
    model = _tiny_model(light_weight)
    checks.check_against_model(converted, model, 'synthetic', unmapped)
    result = model.load_state_dict(converted, strict=True)
    assert not result.missing_keys and not result.unexpected_keys
    ours = model.state_dict()
    assert len(converted) == len(official)
    for key, new_key in zip(official, converted):
        assert torch.equal(official[key], ours[new_key]), (key, new_key)
    # Spot checks of the mapping, written out.
    head_sd = model.decode_head.state_dict()
    pairs = {
        'p_ims1d2_outl1_dimred.weight':
        'refine_blocks.0.adapt_conv.conv.weight',
        'mflow_conv_g1_b3_joint_varout_dimred.weight':
        'refine_blocks.1.fusion.convs.1.conv.weight',
        'adapt_stage4_b2_joint_varout_dimred.weight':
        'refine_blocks.3.fusion.convs.0.conv.weight',
        'mflow_conv_g3_pool.0.4_outvar_dimred.weight':
        'refine_blocks.2.crp.convs.3.conv.weight',
        'clf_conv.bias': 'conv_seg.bias',
    }
    if not light_weight:
        pairs.update({
            'adapt_stage2_b.0.2_conv.bias':
            'refine_blocks.1.adapt_rcus.1.conv1.conv.bias',
            'mflow_conv_g4_b.0.3_conv_relu_varout_dimred.weight':
            'refine_blocks.3.output_rcus.2.conv2.conv.weight',
        })
    for key, new_key in pairs.items():
        assert torch.equal(official[key], head_sd[new_key])
    assert torch.equal(official['layer3.5.bn2.running_var'],
                       ours['backbone.layer3.5.bn2.running_var'])
    # Same decoder logits as the official forward on the same features.
    model.eval()
    with torch.no_grad():
        feats = model.extract_feat(torch.randn(1, 3, 75, 101))
        ours_logits = model.decode_head(feats)
        ref_logits = _official_decoder(official, feats, light_weight)
    assert ours_logits.shape == ref_logits.shape == (1, 5, 19, 26)
    torch.testing.assert_close(ours_logits, ref_logits, rtol=1e-4, atol=1e-5)


def test_converter_wrappers_and_mismatch_errors():
    official = _official_state_dict(light_weight=True)
    wrapped = {
        'segmenter': {
            f'module.{k}': v
            for k, v in official.items()
        },
        'epoch_start': 3
    }
    unwrapped = rf.unwrap_state_dict(wrapped)
    assert list(unwrapped) == list(official)
    # A Light-Weight checkpoint for a RefineNetHead model: listed problems.
    converted, unmapped, origins = rf.convert_refinenet(official)
    with pytest.raises(rf.ConversionError) as err:
        checks.check_against_model(converted, _tiny_model(False), 'lw.pth',
                                   unmapped, origins, rf.layout_hint(official))
    text = str(err.value)
    assert 'nothing was written' in text and 'missing keys' in text
    assert 'decode_head.refine_blocks.0.adapt_rcus.0.conv1.conv' in text
    assert 'shape mismatches' in text and 'lwrefinenet2mmseg.py' in text
    # Keys of another model: unexpected keys, and no depth to infer.
    other = dict(official, **{'fc.weight': torch.zeros(10, 2048)})
    converted, unmapped, _ = rf.convert_refinenet(other)
    assert unmapped == ['fc.weight']
    with pytest.raises(rf.ConversionError, match='fc.weight'):
        checks.check_against_model(converted, _tiny_model(True), 'other.pth',
                                   unmapped)
    with pytest.raises(rf.ConversionError, match='clf_conv.weight'):
        rf.infer_depth_and_classes({'conv1.weight': torch.zeros(1)})


def _tiny_config(tmp_path, base_config: str, num_classes: int = 5) -> str:
    path = tmp_path / f'tiny_{num_classes}.py'
    path.write_text(
        f"_base_ = '{base_config}'\n"
        'model = dict(\n'
        '    backbone=dict(depth=50, stem_channels=8, base_channels=8),\n'
        '    decode_head=dict(in_channels=[32, 64, 128, 256], channels=8,\n'
        f'                     num_classes={num_classes}))\n')
    return str(path)


def test_converter_files(tmp_path):
    from mmengine.runner import load_checkpoint
    official = _official_state_dict(light_weight=True)
    src = tmp_path / 'rf_lw50_synthetic.pth.tar'
    torch.save({f'module.{k}': v for k, v in official.items()}, src)
    lw_cfg = _tiny_config(tmp_path, lw.DEFAULT_CONFIG)
    dst = tmp_path / 'out' / 'converted.pth'
    assert lw.main([str(src), str(dst), '--config', lw_cfg]) == 0
    model = MODELS.build(Config.fromfile(lw_cfg).model)
    load_checkpoint(model, str(dst), map_location='cpu', strict=True)
    assert torch.equal(model.decode_head.conv_seg.weight,
                       official['clf_conv.weight'])
    meta = torch.load(dst, weights_only=True)['meta']
    assert meta['converter'] == 'lwrefinenet2mmseg' and meta['depth'] == 50
    # Into a RefineNet model: refused, the LW converter named, nothing
    # written.
    rf_cfg = _tiny_config(tmp_path, rf.DEFAULT_CONFIG)
    dst2 = tmp_path / 'refused.pth'
    with pytest.raises(rf.ConversionError, match='missing keys') as err:
        rf.convert_file(str(src), str(dst2), rf_cfg, rf.DEFAULT_CONFIG, 'x')
    assert 'lwrefinenet2mmseg.py' in str(err.value)
    assert not dst2.exists()
    # A config for another class count: refused by name.
    with pytest.raises(rf.ConversionError, match='predicts 5 classes'):
        lw.convert_file(str(src), str(dst2), _tiny_config(tmp_path, lw_cfg, 7))
    assert not dst2.exists()
    # The MobileNetV2 layout is refused with its reason.
    with pytest.raises(rf.ConversionError, match='MobileNetV2'):
        lw.check_not_mobilenet({'conv8.weight': torch.zeros(1)}, 'x')


def test_refinenet_cli_wrong_shape_exits_non_zero(tmp_path):
    official = _official_state_dict(light_weight=False)
    official['mflow_conv_g2_pool.0.3_outvar_dimred.weight'] = torch.zeros(
        8, 8, 1, 1)
    src, dst = tmp_path / 'rf.pth', tmp_path / 'converted.pth'
    torch.save(official, src)
    proc = run_converter('refinenet2mmseg', [
        str(src),
        str(dst), '--config',
        _tiny_config(tmp_path, rf.DEFAULT_CONFIG)
    ])
    assert proc.returncode == 1
    assert ('decode_head.refine_blocks.1.crp.convs.2.conv.weight (from '
            'mflow_conv_g2_pool.0.3_outvar_dimred.weight): expected '
            '(8, 8, 3, 3) by the model, got (8, 8, 1, 1)') in proc.stderr
    assert not dst.exists()
