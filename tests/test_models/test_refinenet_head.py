# Copyright (c) mmseg_ext contributors. All rights reserved.
"""RefineNetHead and LightWeightRefineNetHead: the shared head-test base,
the blocks and config errors. (Still here until they move to
tests/test_converters: the converters, on synthetic state dicts with the
official key layout, against an independent functional re-statement of the
official forward. Configs: tests/test_configs/test_refinenet_configs.py;
demo training: tests/test_tools/test_refinenet_demo_training.py.)"""
import importlib
import os.path as osp
import sys
from typing import List, Sequence

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import ConfigDict
from mmseg.registry import MODELS

from mmseg_ext.models.decode_heads.refinenet_blocks import (
    ChainedResidualPool, MultiResolutionFusion, RefineNetBlock,
    ResidualConvUnit, SameSizeMaxPool2d)
from mmseg_ext.models.utils import ConfigMismatchError
from ..tiny_runs import REPO_ROOT
from .seg_head_test_base import (NUM_CLASSES, TINY_BACKBONES, SegHeadTestBase,
                                 backbone_channels, make_batch)

CONVERTERS = osp.join(REPO_ROOT, 'tools', 'model_converters')


def _stage_cfg(in_channels: Sequence[int]) -> dict:
    return dict(
        in_channels=list(in_channels), in_index=list(range(len(in_channels))))


class TestRefineNetHead(SegHeadTestBase):

    def head_cfg(self, in_channels, num_classes):
        return dict(
            type='RefineNetHead',
            channels=8,
            num_classes=num_classes,
            **_stage_cfg(in_channels))


class TestLightWeightRefineNetHead(SegHeadTestBase):

    def head_cfg(self, in_channels, num_classes):
        return dict(
            type='LightWeightRefineNetHead',
            channels=8,
            num_classes=num_classes,
            **_stage_cfg(in_channels))


def _features(
        channels=(4, 6, 8, 10),
        sizes=((17, 23), (9, 12), (5, 6), (3, 3)), batch=2
) -> List[torch.Tensor]:
    g = torch.Generator().manual_seed(1)
    return [
        torch.randn(batch, c, h, w, generator=g)
        for c, (h, w) in zip(channels, sizes)
    ]


def _build_head(**kwargs):
    cfg = dict(
        type='RefineNetHead',
        in_channels=[4, 6, 8, 10],
        in_index=[0, 1, 2, 3],
        channels=4,
        num_classes=3)
    cfg.update(kwargs)
    return MODELS.build(cfg)


# ---------------------------------------------------------------- blocks


def test_rcu_is_preactivated_residual_and_keeps_its_input():
    torch.manual_seed(0)
    rcu = ResidualConvUnit(6)
    x = torch.randn(2, 6, 9, 11)
    x_before = x.clone()
    out = rcu(x)
    assert torch.equal(x, x_before), 'RCU modified its input in place'
    c1, c2 = rcu.conv1.conv, rcu.conv2.conv
    expected = x + c2(F.relu(c1(F.relu(x))))
    torch.testing.assert_close(out, expected)
    assert c1.bias is not None and c2.bias is None  # official bias layout
    # The output really depends on the convs (not discarded).
    assert (out - x).abs().max() > 1e-3


@pytest.mark.parametrize('channels_last', [False, True])
def test_same_size_max_pool_equals_max_pool(channels_last):
    """Values, gradients and memory layout as nn.MaxPool2d (the CPU path
    pools a channels-last copy)."""
    torch.manual_seed(0)
    x = torch.randn(2, 7, 13, 10, dtype=torch.float64)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    pool = SameSizeMaxPool2d(5)
    ref = torch.nn.MaxPool2d(5, stride=1, padding=2)
    outs, grads = [], []
    for module in (pool, ref):
        leaf = x.clone().requires_grad_()
        out = module(leaf)
        out.backward(torch.arange(out.numel(), dtype=out.dtype).view_as(out))
        outs.append(out)
        grads.append(leaf.grad)
    assert torch.equal(outs[0], outs[1]) and torch.equal(grads[0], grads[1])
    assert outs[0].shape == x.shape
    assert outs[0].is_contiguous() != channels_last or x.shape[1] == 1
    assert outs[0].is_contiguous(
        memory_format=torch.channels_last) == channels_last
    with pytest.raises(ValueError, match='positive odd int'):
        SameSizeMaxPool2d(4)


def test_rcu_forces_out_of_place_activation():
    rcu = ResidualConvUnit(4, act_cfg=dict(type='ReLU', inplace=True))
    assert not rcu.conv1.activate.inplace
    crp = ChainedResidualPool(4, act_cfg=dict(type='ReLU', inplace=True))
    assert not crp.activate.inplace


@pytest.mark.parametrize('order', ['pool_conv', 'conv_pool'])
def test_crp_matches_its_definition(order):
    torch.manual_seed(0)
    crp = ChainedResidualPool(5, num_blocks=3, order=order)
    x = torch.randn(1, 5, 13, 8)
    expected = path = F.relu(x)
    for m in crp.convs:
        if order == 'pool_conv':
            path = m.conv(F.max_pool2d(path, 5, 1, 2))
        else:
            path = F.max_pool2d(m.conv(path), 5, 1, 2)
        expected = expected + path
    torch.testing.assert_close(crp(x), expected)


def test_crp_order_changes_outputs_and_zero_blocks_is_activation():
    torch.manual_seed(0)
    pool_conv = ChainedResidualPool(4, order='pool_conv')
    conv_pool = ChainedResidualPool(4, order='conv_pool')
    conv_pool.load_state_dict(pool_conv.state_dict())
    x = torch.randn(2, 4, 11, 7)
    assert (pool_conv(x) - conv_pool(x)).abs().max() > 1e-3
    assert torch.equal(ChainedResidualPool(4, num_blocks=0)(x), F.relu(x))


def test_mrf_resizes_to_the_largest_exact_size():
    mrf = MultiResolutionFusion((3, 5), 4, kernel_size=1)
    fine, coarse = torch.randn(1, 3, 17, 23), torch.randn(1, 5, 9, 12)
    out = mrf([fine, coarse])
    assert out.shape == (1, 4, 17, 23)
    expected = mrf.convs[0](fine) + F.interpolate(
        mrf.convs[1](coarse), (17, 23), mode='bilinear', align_corners=False)
    torch.testing.assert_close(out, expected)
    # The largest input may come in any position.
    reversed_mrf = MultiResolutionFusion((5, 3), 4, kernel_size=3)
    assert reversed_mrf([coarse, fine]).shape == (1, 4, 17, 23)
    with pytest.raises(ValueError, match='expects 2 inputs, got 1'):
        mrf([fine])


@pytest.mark.parametrize('adapt,output', [(1, (0, 1, 2, 3)), (0, 0), (2, 3)])
def test_rcu_counts(adapt, output):
    head = _build_head(num_adapt_rcus=adapt, num_output_rcus=output)
    outputs = output if isinstance(output, tuple) else (output, ) * 4
    for block, n_out in zip(head.refine_blocks, outputs):
        assert len(block.adapt_rcus) == adapt
        assert len(block.output_rcus) == n_out
        assert all(
            isinstance(m, ResidualConvUnit)
            for m in [*block.adapt_rcus, *block.output_rcus])
    assert head(_features()).shape == (2, 3, 17, 23)


def test_paper_defaults():
    with torch.device('meta'):  # full-size heads: structure only
        _check_paper_defaults()


def _check_paper_defaults():
    head = MODELS.build(
        dict(
            type='RefineNetHead',
            in_channels=[256, 512, 1024, 2048],
            in_index=[0, 1, 2, 3],
            channels=256,
            num_classes=21))
    assert all(isinstance(b, RefineNetBlock) for b in head.refine_blocks)
    widths = [b.adapt_conv.conv.out_channels for b in head.refine_blocks]
    assert widths == [512, 256, 256, 256]
    assert [b.adapt_conv.conv.in_channels
            for b in head.refine_blocks] == [2048, 1024, 512, 256]
    first, last = head.refine_blocks[0], head.refine_blocks[-1]
    assert first.fusion is None and last.fusion is not None
    assert len(first.adapt_rcus) == 2 and len(last.output_rcus) == 3
    assert len(last.crp.convs) == 4 and last.crp.pool.kernel_size == 5
    assert last.crp.order == 'pool_conv'
    assert last.crp.convs[0].conv.kernel_size == (3, 3)
    assert head.conv_seg.kernel_size == (3, 3)
    assert head.dropout.p == 0.5 and head.norm_cfg is None
    lw = MODELS.build(
        dict(
            type='LightWeightRefineNetHead',
            in_channels=[256, 512, 1024, 2048],
            in_index=[0, 1, 2, 3],
            channels=256,
            num_classes=21))
    for block in lw.refine_blocks:
        assert len(block.adapt_rcus) == 0 and len(block.output_rcus) == 0
        assert block.adapt_conv.conv.kernel_size == (1, 1)
        assert block.crp.convs[3].conv.kernel_size == (1, 1)
    assert lw.dropout is None and lw.conv_seg.kernel_size == (3, 3)


@pytest.mark.parametrize('head_type',
                         ['RefineNetHead', 'LightWeightRefineNetHead'])
def test_with_cp_recomputes_the_same_values_and_gradients(head_type):
    """Checkpointed units: same features and gradients (float64), and
    the units (here: the last CRP) run again in the backward pass."""
    torch.manual_seed(0)
    cfg = dict(
        type=head_type, channels=4, num_classes=3, **_stage_cfg([3, 5, 6]))
    plain = MODELS.build(cfg).double().train()
    checkpointed = MODELS.build(dict(cfg, with_cp=True)).double().train()
    checkpointed.load_state_dict(plain.state_dict())
    feats = [
        torch.randn(2, c, s, s + 1, dtype=torch.float64)
        for c, s in ((3, 12), (5, 6), (6, 3))
    ]
    calls = []
    last = checkpointed.refine_blocks[-1].crp
    forward = last.forward

    def counting_forward(*args):
        calls.append(1)
        return forward(*args)

    last.forward = counting_forward
    results = []
    for head in (plain, checkpointed):
        inputs = [f.clone().requires_grad_() for f in feats]
        out = head._forward_feature(inputs)
        out.backward(torch.ones_like(out))
        results.append([out] + [f.grad for f in inputs] +
                       [p.grad for p in head.parameters()])
    assert len(calls) == 2  # forward, then recomputed in backward
    for a, b in zip(*results):
        torch.testing.assert_close(a, b)
    checkpointed.eval()
    with torch.no_grad():
        checkpointed._forward_feature(feats)
    assert len(calls) == 3


@pytest.mark.parametrize('num_stages', [2, 3, 4])
@pytest.mark.parametrize('head_type',
                         ['RefineNetHead', 'LightWeightRefineNetHead'])
def test_any_number_of_stages_and_sizes(num_stages, head_type):
    channels = (4, 6, 8, 10)[-num_stages:]
    sizes = ((17, 23), (9, 12), (5, 6), (3, 3))[-num_stages:]
    head = _build_head(type=head_type, **_stage_cfg(channels)).eval()
    feats = _features(channels, sizes, batch=1)
    copies = [f.clone() for f in feats]
    out = head(feats)
    assert out.shape == (1, 3, *sizes[0])
    assert torch.isfinite(out).all()
    assert all(torch.equal(a, b) for a, b in zip(feats, copies))


def test_init_keeps_activations_at_input_scale():
    head = _build_head(channels=16).eval()
    head.init_weights()
    with torch.no_grad():
        feat = head._forward_feature(_features())
    assert feat.std() < 10, 'RCU/CRP residual sums explode at init'


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    'kwargs,message',
    [(dict(input_transform='resize_concat'), "must be 'multiple_select'"),
     (dict(in_channels=10, in_index=3), 'must list 2 or more stages'),
     (dict(in_channels=[10], in_index=[3]), 'must list 2 or more stages'),
     (dict(block_channels=[8, 4]), 'sequence of 4 ints'),
     (dict(block_channels=[8, 4, 4, 8]), r'block_channels\[-1\] \(8\)'),
     (dict(num_output_rcus=(1, 3)), 'num_output_rcus must be an int or'),
     (dict(num_adapt_rcus=-1), 'num_adapt_rcus must be an int >= 0'),
     (dict(crp_order='maxpool'), 'order must be one of'),
     (dict(crp_num_blocks=-2), 'num_blocks must be an int >= 0'),
     (dict(crp_pool_size=4), 'pool_size must be a positive odd int'),
     (dict(conv_kernel_size=2), 'kernel_size must be a positive odd int'),
     (dict(cls_kernel_size=0), 'cls_kernel_size must be a positive odd')])
def test_bad_config_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        _build_head(**kwargs)


@pytest.mark.parametrize('head_type',
                         ['RefineNetHead', 'LightWeightRefineNetHead'])
def test_in_index_in_channels_length_mismatch(head_type):
    """A clear error at build time (mmseg only asserts)."""
    with pytest.raises(
            ConfigMismatchError,
            match=rf'{head_type}: in_channels lists 4 stages '
            r'\(\[4, 6, 8, 10\]\) but in_index lists 3 \(\[1, 2, 3\]\)'):
        _build_head(type=head_type, in_index=[1, 2, 3])


def test_wrong_in_channels_names_head_index_expected_and_got():
    head = _build_head()
    feats = _features()
    with pytest.raises(
            ConfigMismatchError,
            match=r'RefineNetHead: in_channels=\[4, 6, 8, 10\] at '
            r'in_index=\[0, 1, 2, 3\], but the backbone gives '
            r'\[4, 6, 7, 10\] there \(first mismatch: in_index 2 expects 8 '
            r'channels, got 7\)'):
        head(feats[:2] + [torch.randn(2, 7, 5, 6)] + feats[3:])
    with pytest.raises(
            ConfigMismatchError,
            match=r'in_index=\[0, 1, 2, 3\] but the backbone gives 3 '
            r'outputs'):
        head(feats[:3])
    block = head.refine_blocks[1]
    with pytest.raises(ValueError, match='coarser input is required'):
        block(feats[2])


@pytest.mark.parametrize('head_type',
                         ['RefineNetHead', 'LightWeightRefineNetHead'])
def test_stages_listed_coarsest_first_fail_at_first_forward(head_type):
    """in_index/in_channels reversed (coarsest first) is a valid-looking
    config that used to build and train a different network."""
    head = _build_head(
        type=head_type, in_channels=[10, 8, 6, 4], in_index=[3, 2, 1, 0])
    with pytest.raises(
            ConfigMismatchError,
            match=rf'{head_type}: in_index=\[3, 2, 1, 0\] selects stages of '
            r'sizes \[\(3, 3\), \(5, 6\), \(9, 12\), \(17, 23\)\]; '
            r'they must be listed finest first'):
        head(_features())


def test_equal_stage_sizes_are_accepted():
    """Dilated backbones give several stages at the same size."""
    head = _build_head().eval()
    feats = _features(sizes=((9, 12), (9, 12), (9, 12), (5, 6)), batch=1)
    assert head(feats).shape == (1, 3, 9, 12)


@pytest.mark.parametrize('head_type',
                         ['RefineNetHead', 'LightWeightRefineNetHead'])
def test_label_beyond_num_classes_is_named(head_type):
    """Instead of torch's "Target 10 is out of bounds"."""
    channels = backbone_channels('resnet')
    model = MODELS.build(
        dict(
            type='EncoderDecoder',
            backbone=TINY_BACKBONES['resnet'],
            decode_head=dict(
                type=head_type,
                channels=8,
                num_classes=NUM_CLASSES,
                **_stage_cfg(channels)),
            train_cfg=ConfigDict(),
            test_cfg=ConfigDict(mode='whole')))
    inputs, samples = make_batch(2, (33, 41), NUM_CLASSES)
    samples[1].gt_sem_seg.data[0, :2, :3] = 10
    samples[0].gt_sem_seg.data[0, 5, 5] = 7
    with pytest.raises(
            ConfigMismatchError,
            match=rf'{head_type}: num_classes={NUM_CLASSES} but the labels '
            r'hold \[7, 10\], outside \[0, 5\) and not ignore_index=255'):
        model.loss(inputs, samples)


# ------------------------------------------------------------ converters


def _load_converter(name: str):
    """A script of tools/model_converters as a module (they import each
    other by name, as when run from the command line)."""
    if CONVERTERS not in sys.path:
        sys.path.insert(0, CONVERTERS)
    return importlib.import_module(name)


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
    conv_mod = _load_converter('refinenet2mmseg')
    official = _official_state_dict(light_weight)
    assert conv_mod.infer_depth_and_classes(official) == (50, 5)
    converted, unmapped = conv_mod.convert_refinenet(official)
    assert unmapped == []
    model = _tiny_model(light_weight)
    conv_mod.check_against_model(converted, unmapped, model, 'synthetic')
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
    conv_mod = _load_converter('refinenet2mmseg')
    official = _official_state_dict(light_weight=True)
    wrapped = {
        'segmenter': {
            f'module.{k}': v
            for k, v in official.items()
        },
        'epoch_start': 3
    }
    unwrapped = conv_mod.unwrap_state_dict(wrapped)
    assert list(unwrapped) == list(official)
    # A Light-Weight checkpoint for a RefineNetHead model: listed problems.
    converted, unmapped = conv_mod.convert_refinenet(official)
    with pytest.raises(conv_mod.ConversionError) as err:
        conv_mod.check_against_model(converted, unmapped, _tiny_model(False),
                                     'lw.pth', conv_mod.layout_hint(official))
    text = str(err.value)
    assert 'nothing was written' in text and 'missing keys' in text
    assert 'decode_head.refine_blocks.0.adapt_rcus.0.conv1.conv' in text
    assert 'shape mismatches' in text and 'lwrefinenet2mmseg.py' in text
    # Keys of another model: unexpected keys, and no depth to infer.
    other = dict(official, **{'fc.weight': torch.zeros(10, 2048)})
    converted, unmapped = conv_mod.convert_refinenet(other)
    assert unmapped == ['fc.weight']
    with pytest.raises(conv_mod.ConversionError, match='fc.weight'):
        conv_mod.check_against_model(converted, unmapped, _tiny_model(True),
                                     'other.pth')
    with pytest.raises(conv_mod.ConversionError, match='clf_conv.weight'):
        conv_mod.infer_depth_and_classes({'conv1.weight': torch.zeros(1)})


def _tiny_config(tmp_path, base_config: str) -> str:
    path = tmp_path / 'tiny.py'
    path.write_text(
        f"_base_ = '{base_config}'\n"
        'model = dict(\n'
        '    backbone=dict(stem_channels=8, base_channels=8),\n'
        '    decode_head=dict(in_channels=[32, 64, 128, 256], channels=8))\n')
    return str(path)


def test_converter_files(tmp_path):
    from mmengine.runner import load_checkpoint
    conv_mod = _load_converter('refinenet2mmseg')
    lw_mod = _load_converter('lwrefinenet2mmseg')
    official = _official_state_dict(light_weight=True)
    src = tmp_path / 'rf_lw50_synthetic.pth.tar'
    torch.save({f'module.{k}': v for k, v in official.items()}, src)
    lw_cfg = _tiny_config(tmp_path, lw_mod.DEFAULT_CONFIG)
    dst = tmp_path / 'converted.pth'
    conv_mod.convert_file(str(src), str(dst), lw_cfg, 'test')
    model = conv_mod.build_model(lw_cfg, 50, 5)
    load_checkpoint(model, str(dst), map_location='cpu', strict=True)
    assert torch.equal(model.decode_head.conv_seg.weight,
                       official['clf_conv.weight'])
    # Into a RefineNet model: refused, nothing written.
    rf_cfg = _tiny_config(tmp_path, conv_mod.DEFAULT_CONFIG)
    dst2 = tmp_path / 'refused.pth'
    with pytest.raises(conv_mod.ConversionError, match='missing keys'):
        conv_mod.convert_file(str(src), str(dst2), rf_cfg, 'test')
    assert not dst2.exists()
    # The MobileNetV2 layout is refused with its reason.
    with pytest.raises(conv_mod.ConversionError, match='MobileNetV2'):
        lw_mod.check_not_mobilenet({'conv8.weight': torch.zeros(1)}, 'x')
