# Copyright (c) mmseg_ext contributors. All rights reserved.
"""PSPUpsampleHead and ClassPresenceHead."""
import pytest
import torch
import torch.nn as nn
from mmengine.config import ConfigDict
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

from mmseg_ext.models.decode_heads.class_presence_head import \
    class_presence_targets
from mmseg_ext.models.utils import ConfigMismatchError
from .seg_head_test_base import (NUM_CLASSES, TINY_BACKBONES, SegHeadTestBase,
                                 backbone_channels, loss_total, make_batch)

BN = dict(type='BN', requires_grad=True)


def psp_upsample_cfg(in_channels, num_classes, **kwargs):
    cfg = dict(
        type='PSPUpsampleHead',
        in_channels=in_channels,
        in_index=3,
        bottleneck_channels=16,
        upsample_channels=(16, 8, 8),
        norm_cfg=BN,
        num_classes=num_classes)
    cfg.update(kwargs)
    return cfg


def presence_cfg(in_channels, num_classes, **kwargs):
    cfg = dict(
        type='ClassPresenceHead',
        in_channels=in_channels,
        in_index=2,
        channels=8,
        num_classes=num_classes)
    cfg.update(kwargs)
    return cfg


class TestPSPUpsampleHead(SegHeadTestBase):

    def head_cfg(self, in_channels, num_classes):
        return psp_upsample_cfg(in_channels[-1], num_classes)


class TestPSPUpsampleHeadWithShapeStream(TestPSPUpsampleHead):
    shape_stream = True


class TestPSPUpsampleHeadWithPresenceAux(SegHeadTestBase):
    """The presence head inside ``auxiliary_head`` (losses only)."""
    backbones = ('resnetv1c', )

    def head_cfg(self, in_channels, num_classes):
        return psp_upsample_cfg(in_channels[-1], num_classes)

    def extra_model_cfg(self, channels):
        return dict(auxiliary_head=[
            dict(
                type='FCNHead',
                in_channels=channels[2],
                in_index=2,
                channels=8,
                num_convs=1,
                num_classes=NUM_CLASSES),
            presence_cfg(channels[2], NUM_CLASSES)
        ])

    def test_presence_keys_logged_not_summed(self):
        model = self.build_model()
        model.train()
        inputs, samples = make_batch(2, (40, 56), NUM_CLASSES)
        losses = model.loss(inputs, samples)
        assert {'aux_1.loss_presence', 'aux_1.acc_presence'} <= set(losses)
        assert 0 <= losses['aux_1.acc_presence'].item() <= 100
        assert not losses['aux_1.acc_presence'].requires_grad
        # The presence loss reaches the backbone.
        model.zero_grad()
        losses['aux_1.loss_presence'].backward()
        grad = model.backbone.layer3[0].conv1.weight.grad
        assert grad is not None and grad.abs().sum() > 0


def _stride8_features(batch, h, w, channels=32):
    """Fake multi-level features whose last level is (h, w)."""
    return [torch.randn(batch, channels, h, w) for _ in range(4)]


def test_upsampling_blocks_set_the_output_resolution():
    head = MODELS.build(psp_upsample_cfg(32, 3))
    head.eval()
    out = head(_stride8_features(1, 5, 7))
    assert out.shape == (1, 3, 40, 56)  # 3 blocks: x8
    two = MODELS.build(psp_upsample_cfg(32, 3, upsample_channels=(16, 8)))
    two.eval()
    assert two(_stride8_features(1, 5, 7)).shape == (1, 3, 20, 28)


def test_defaults_follow_the_seed_design():
    head = MODELS.build(
        dict(
            type='PSPUpsampleHead', in_channels=32, num_classes=3,
            norm_cfg=BN))
    assert head.channels == 64
    assert head.bottleneck.conv.in_channels == 32 * 5
    assert head.bottleneck.conv.out_channels == 1024
    widths = [b.conv.conv.out_channels for b in head.upsample_blocks]
    assert widths == [256, 64, 64]
    assert all(
        isinstance(b.conv.activate, nn.PReLU) for b in head.upsample_blocks)
    assert head.pool_dropout.p == 0.3 and head.dropout.p == 0.15
    # No reduction and no norm in the pooled stages.
    for stage in head.psp_modules:
        conv = stage[1]
        assert conv.conv.out_channels == 32 and not conv.with_norm


@pytest.mark.parametrize('align_corners', [False, True])
@pytest.mark.parametrize('norm_cfg', [BN, None])
def test_pyramid_bottleneck_equals_the_concat(align_corners, norm_cfg):
    """The split-weight bottleneck (no 5C-channel concat) computes the
    paper's ``bottleneck(cat([x, up(stage_s(x))]))``, values and
    gradients, on odd sizes; with and without norm (conv bias)."""
    torch.manual_seed(0)
    head = MODELS.build(
        psp_upsample_cfg(
            32, 3, align_corners=align_corners,
            norm_cfg=norm_cfg)).double().eval()
    x = torch.randn(2, 32, 7, 11, dtype=torch.float64, requires_grad=True)
    fast = head._pyramid_bottleneck(x)
    concat = head.bottleneck(torch.cat([x, *head.psp_modules(x)], dim=1))
    assert fast.shape == concat.shape == (2, 16, 7, 11)
    torch.testing.assert_close(fast, concat, rtol=1e-10, atol=1e-10)
    weight = torch.randn_like(fast)
    grads = [
        torch.autograd.grad((y * weight).sum(),
                            [x, head.bottleneck.conv.weight])
        for y in (fast, concat)
    ]
    for a, b in zip(*grads):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-10)


def test_pyramid_bottleneck_falls_back_for_other_conv_types():
    """A bottleneck that is not a plain Conv2d runs the concat itself."""
    head = MODELS.build(psp_upsample_cfg(32, 3)).eval()
    head.bottleneck.conv = _CountingConv(head.bottleneck.conv)
    x = torch.randn(1, 32, 5, 6)
    head._pyramid_bottleneck(x)
    assert head.bottleneck.conv.inputs == [32 * 5]


class _CountingConv(nn.Conv2d):
    """A Conv2d subclass that records the channels it is called with."""

    def __init__(self, conv):
        super().__init__(conv.in_channels, conv.out_channels, 1, bias=False)
        self.inputs = []

    def forward(self, x):
        self.inputs.append(x.shape[1])
        return super().forward(x)


def test_batch1_training_with_a_1x1_bin():
    head = MODELS.build(psp_upsample_cfg(32, 3))
    head.train()
    out = head(_stride8_features(1, 3, 4))
    assert out.shape == (1, 3, 24, 32)
    out.sum().backward()


@pytest.mark.parametrize(
    'kwargs, match',
    [(dict(channels=32), 'must equal the last upsampling width'),
     (dict(upsample_channels=()), 'at least one upsampling block')])
def test_bad_widths_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MODELS.build(psp_upsample_cfg(32, 3, **kwargs))


def test_wrong_input_channels_are_named():
    head = MODELS.build(psp_upsample_cfg(64, 3))
    with pytest.raises(
            ConfigMismatchError,
            match=r'PSPUpsampleHead: in_channels=64 at in_index=3, but the '
            r'backbone gives \[32\] there'):
        head(_stride8_features(1, 5, 7, channels=32))
    presence = MODELS.build(presence_cfg(64, 3))
    with pytest.raises(
            ConfigMismatchError,
            match=r'ClassPresenceHead: in_channels=64 at in_index=2, but '
            r'the backbone gives \[32\] there'):
        presence(_stride8_features(1, 5, 7, channels=32))


@pytest.mark.parametrize('head', ['decode_head', 'auxiliary_head'])
def test_label_beyond_num_classes_is_named(head):
    """Each head checks the labels of its own loss (instead of torch's
    "Target 10 is out of bounds")."""
    channels = backbone_channels('resnet')
    heads = dict(
        decode_head=psp_upsample_cfg(channels[-1], NUM_CLASSES),
        auxiliary_head=presence_cfg(channels[2], NUM_CLASSES))
    # The other head sees a larger class count, so only `head` fails.
    other = 'auxiliary_head' if head == 'decode_head' else 'decode_head'
    heads[other]['num_classes'] = 11
    model = MODELS.build(
        dict(
            type='EncoderDecoder',
            backbone=TINY_BACKBONES['resnet'],
            train_cfg=ConfigDict(),
            test_cfg=ConfigDict(mode='whole'),
            **heads))
    inputs, samples = make_batch(1, (37, 45), NUM_CLASSES)
    samples[0].gt_sem_seg.data[0, :2, :3] = 10
    name = heads[head]['type']
    with pytest.raises(
            ConfigMismatchError,
            match=rf'{name}: num_classes={NUM_CLASSES} but the labels hold '
            r'\[10\], outside \[0, 5\)'):
        model.loss(inputs, samples)


def _samples(*labels):
    samples = []
    for label in labels:
        s = SegDataSample()
        s.gt_sem_seg = PixelData(data=torch.as_tensor(label)[None])
        samples.append(s)
    return samples


def test_presence_targets_exclude_ignore():
    labels = [
        torch.tensor([[0, 2], [255, 2]]),
        torch.full((2, 2), 255),
        torch.tensor([[4, 1], [1, 1]])
    ]
    targets = class_presence_targets(labels, 5, ignore_index=255)
    assert targets.tolist() == [[1, 0, 1, 0, 0], [0, 0, 0, 0, 0],
                                [0, 1, 0, 0, 1]]


def test_presence_targets_reject_unknown_ids():
    with pytest.raises(ValueError, match=r'\[7\]'):
        class_presence_targets([torch.tensor([[0, 7]])], 5)


def test_presence_loss_finite_for_all_ignore_labels():
    head = MODELS.build(presence_cfg(16, 5))
    head.train()
    feats = [torch.randn(2, 16, 6, 6) for _ in range(4)]
    samples = _samples(torch.full((9, 9), 255), torch.full((9, 9), 255))
    losses = head.loss(feats, samples, ConfigDict())
    assert set(losses) == {'loss_presence', 'acc_presence'}
    assert torch.isfinite(losses['loss_presence'])
    losses['loss_presence'].backward()


def test_presence_loss_weight_and_accuracy():
    feats = [torch.randn(2, 16, 6, 6) for _ in range(4)]
    samples = _samples(torch.tensor([[0, 1]]), torch.tensor([[3, 255]]))
    values = {}
    for weight in (1.0, 2.5):
        torch.manual_seed(0)
        head = MODELS.build(
            presence_cfg(
                16,
                5,
                loss_decode=dict(
                    type='CrossEntropyLoss',
                    use_sigmoid=True,
                    avg_non_ignore=True,
                    loss_weight=weight,
                    loss_name='loss_presence')))
        head.eval()
        logits = head(feats)
        assert logits.shape == (2, 5)
        values[weight] = head.loss_by_feat(logits, samples)
    assert torch.allclose(values[2.5]['loss_presence'],
                          2.5 * values[1.0]['loss_presence'])
    # Accuracy: share of (image, class) decisions right at p = 0.5.
    perfect = torch.tensor([[5., 5., -5., -5., -5.], [-5., -5., -5., 5., -5.]])
    assert head.loss_by_feat(perfect, samples)['acc_presence'] == 100
    assert head.loss_by_feat(-perfect, samples)['acc_presence'] == 0


def test_presence_head_rejects_non_sigmoid_loss():
    with pytest.raises(ValueError, match='use_sigmoid=True'):
        MODELS.build(
            presence_cfg(16, 5, loss_decode=dict(type='CrossEntropyLoss')))


def test_presence_head_is_not_a_decode_head():
    head = MODELS.build(presence_cfg(16, 5))
    head.eval()
    feats = [torch.randn(1, 16, 6, 6) for _ in range(4)]
    probs = head.predict_presence(feats)
    assert probs.shape == (1, 5) and ((probs >= 0) & (probs <= 1)).all()
    with pytest.raises(RuntimeError, match='auxiliary_head'):
        head.predict(feats, [dict(img_shape=(9, 9))], ConfigDict())


def test_presence_head_in_encoder_decoder_predict_and_bf16():
    channels = backbone_channels('resnet')
    model = MODELS.build(
        dict(
            type='EncoderDecoder',
            backbone=TINY_BACKBONES['resnet'],
            decode_head=psp_upsample_cfg(channels[-1], NUM_CLASSES),
            auxiliary_head=presence_cfg(channels[2], NUM_CLASSES),
            train_cfg=ConfigDict(),
            test_cfg=ConfigDict(mode='whole')))
    model.train()
    inputs, samples = make_batch(1, (37, 45), NUM_CLASSES)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        losses = model.loss(inputs, samples)
    assert torch.isfinite(losses['aux.loss_presence'])
    loss_total(losses).backward()
    model.eval()
    with torch.no_grad():
        result = model.predict(inputs, samples)[0]
    assert result.pred_sem_seg.data.shape == (1, 37, 45)
