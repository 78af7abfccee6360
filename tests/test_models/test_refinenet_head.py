# Copyright (c) mmseg_ext contributors. All rights reserved.
"""RefineNetHead and LightWeightRefineNetHead: the shared head-test base,
the blocks and config errors. Configs:
tests/test_configs/test_refinenet_configs.py; demo training:
tests/test_tools/test_refinenet_demo_training.py; converters:
tests/test_converters/test_refinenet2mmseg.py."""
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
from .seg_head_test_base import (NUM_CLASSES, TINY_BACKBONES, SegHeadTestBase,
                                 backbone_channels, make_batch)


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


class TestRefineNetHeadWithShapeStream(TestRefineNetHead):
    shape_stream = True


class TestLightWeightRefineNetHeadWithShapeStream(TestLightWeightRefineNetHead
                                                  ):
    shape_stream = True


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
