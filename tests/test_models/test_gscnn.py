# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Gated-SCNN model: gated conv, shape-stream neck, image gradients,
segmentor (tensor contract, edge maps, build checks), heads (through the
shared base, batch 1 included), TTA and checkpoint compatibility.

Configs: tests/test_configs/test_gscnn_configs.py; the demo training run:
tests/test_tools/test_gscnn_training.py; export:
test_gscnn_export.py."""
import copy

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.config import ConfigDict
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

from mmseg_ext.models.necks import ShapeStreamFeatures
from mmseg_ext.models.necks.gated_conv import GatedConv
from mmseg_ext.models.utils import (ConfigMismatchError, canny_edges,
                                    opencv_canny_edges)
from . import seg_head_test_base as base
from .seg_head_test_base import (SegHeadTestBase, add_edge_maps,
                                 backbone_channels, loss_total)
from .seg_head_test_base import shape_stream_neck_cfg as neck_cfg

NUM_CLASSES = 5
MEAN = [123.675, 116.28, 103.53]
STD = [58.395, 57.12, 57.375]
_make_batch = base.make_batch


def make_batch(*args, **kwargs):
    inputs, samples = _make_batch(*args, **kwargs)
    return inputs, add_edge_maps(samples)


def gscnn_head_cfg(in_channels, num_classes=NUM_CLASSES):
    return dict(
        type='GSCNNHead',
        in_channels=in_channels[-1],
        in_index=len(in_channels) - 1,
        fine_in_index=0,
        fine_in_channels=in_channels[0],
        fine_channels=8,
        channels=16,
        dilations=(1, 2, 3),
        num_classes=num_classes)


def build_segmentor(backbone='resnetv1c', head=None, stride=2, **kwargs):
    torch.manual_seed(0)
    channels = backbone_channels(backbone)
    cfg = dict(
        type='ShapeStreamEncoderDecoder',
        backbone=base.TINY_BACKBONES[backbone],
        neck=neck_cfg(channels, stride),
        decode_head=head or gscnn_head_cfg(channels),
        data_preprocessor=dict(
            type='SegDataPreProcessor',
            mean=MEAN,
            std=STD,
            bgr_to_rgb=True,
            pad_val=0,
            seg_pad_val=255),
        train_cfg=ConfigDict(),
        test_cfg=ConfigDict(mode='whole'))
    cfg.update(kwargs)
    return MODELS.build(cfg)


# ----------------------------------------------------------- shared base
class _ShapeStreamHeadTest(SegHeadTestBase):
    """The base's checks with the shape-stream neck and segmentor."""
    shape_stream = True


class TestGSCNNHead(_ShapeStreamHeadTest):

    def head_cfg(self, in_channels, num_classes):
        return gscnn_head_cfg(in_channels, num_classes)


class TestGSCNNSepASPPHead(_ShapeStreamHeadTest):

    def head_cfg(self, in_channels, num_classes):
        return dict(
            type='GSCNNSepASPPHead',
            in_channels=in_channels[-1],
            in_index=len(in_channels) - 1,
            c1_in_channels=in_channels[0],
            c1_channels=8,
            channels=16,
            dilations=(1, 2, 3),
            num_classes=num_classes)


# ----------------------------------------------------------- gated conv
def test_gated_conv_shapes_and_gradients():
    conv = GatedConv(6, 3, gate_channels=2, kernel_size=3)
    feature = torch.randn(2, 6, 9, 11, requires_grad=True)
    gate = torch.randn(2, 2, 9, 11, requires_grad=True)
    out = conv(feature, gate)
    assert out.shape == (2, 3, 9, 11)
    out.sum().backward()
    assert gate.grad.abs().sum() > 0, 'the gate must receive gradients'
    # out = conv(feature * (1 + alpha)) with alpha the attention map.
    with torch.no_grad():
        alpha = conv.attention(torch.cat([feature, gate], 1))
        assert torch.allclose(
            conv(feature, gate), conv.conv(feature * (1 + alpha)), atol=1e-6)
        assert alpha.min() >= 0 and alpha.max() <= 1


def test_gated_conv_bad_config():
    with pytest.raises(ValueError, match='odd'):
        GatedConv(4, 4, kernel_size=2)


# ----------------------------------------------------------- neck
@pytest.mark.parametrize('stride', (1, 2, 4))
def test_shape_stream_resolution(stride):
    channels = [8, 16, 32]
    neck = MODELS.build(
        dict(
            type='GatedShapeStream',
            in_channels=channels,
            in_index=(1, 2),
            channels=(6, 3),
            stride=stride))
    feats = [
        torch.randn(1, c, 9 - 3 * i, 13 - 4 * i)
        for i, c in enumerate(channels)
    ]
    out = neck(feats, torch.rand(1, 1, 37, 51).round())
    # the backbone features, unchanged; the edge maps by name only
    assert isinstance(out, ShapeStreamFeatures)
    assert len(out) == len(feats)
    assert all(a is b for a, b in zip(out, feats))
    size = (-(-37 // stride), -(-51 // stride))
    assert out.edge_logits.shape == (1, 1, *size) == out.fused_edge.shape
    assert out.fused_edge.min() >= 0 and out.fused_edge.max() <= 1


@pytest.mark.parametrize('option', ('gated', 'use_image_gradient'))
def test_shape_stream_ablations(option):
    """The paper's ablations: plain convs instead of gated ones (no side
    outputs), no image gradient (the fused map ignores it); every
    parameter still trains."""
    channels = backbone_channels('resnetv1c')
    neck = MODELS.build(dict(neck_cfg(channels, stride=1), **{option: False}))
    feats = [torch.randn(2, c, 16, 16) for c in channels]
    grad_a = (torch.rand(2, 1, 16, 16) > 0.5).float()
    out = neck(feats, grad_a)
    assert out.edge_logits.shape == out.fused_edge.shape == (2, 1, 16, 16)
    if option == 'gated':
        assert len(neck.side_convs) == 0
        assert not any(isinstance(m, GatedConv) for m in neck.modules())
    else:
        assert neck.gradient_fusion.weight.shape[1] == 1
        assert torch.equal(out.fused_edge, neck(feats, 1 - grad_a).fused_edge)
    (out.edge_logits.sum() + out.fused_edge.sum()).backward()
    assert all(p.grad is not None for p in neck.parameters())


def test_shape_stream_bad_input():
    neck = MODELS.build(
        dict(
            type='GatedShapeStream',
            in_channels=[8, 16],
            in_index=(1, ),
            channels=(4, )))
    grad = torch.zeros(1, 1, 16, 16)
    with pytest.raises(ValueError, match='do not match in_channels'):
        neck([torch.randn(1, 8, 4, 4), torch.randn(1, 12, 2, 2)], grad)
    with pytest.raises(ValueError, match='image_gradient must be'):
        neck([torch.randn(1, 8, 4, 4),
              torch.randn(1, 16, 2, 2)], torch.zeros(1, 3, 16, 16))
    with pytest.raises(ValueError, match='out of range'):
        MODELS.build(
            dict(
                type='GatedShapeStream',
                in_channels=[8, 16],
                in_index=(2, ),
                channels=(4, )))


# ----------------------------------------------------------- Canny
def _smooth_images(seed, n, size):
    import cv2
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        small = rng.integers(
            0, 256, (size[0] // 4 + 2, size[1] // 4 + 2, 3)).astype(np.uint8)
        out.append(cv2.resize(small, size[::-1]))
    return np.stack(out)


def _demo_scene(seed, size):
    """A demo street scene (BGR uint8), rendered here at 128x256 (the
    renderer's smallest comfortable size) and resized to ``size``."""
    import cv2

    from mmseg_ext.demo import render_scene
    img = render_scene(np.random.default_rng(seed), (128, 256))['img']
    return cv2.resize(img, size[::-1], interpolation=cv2.INTER_AREA)


@pytest.mark.parametrize('thresholds', ((10, 100), (100, 30), (0.5, 250.7)))
def test_canny_matches_opencv(thresholds):
    imgs = _smooth_images(0, 2, (37, 53))
    batch = torch.from_numpy(imgs).permute(0, 3, 1, 2).float()
    ours = canny_edges(batch, *thresholds)
    ref = opencv_canny_edges(batch, *thresholds)
    assert ours.shape == (2, 1, 37, 53)
    assert ref.sum() > 0
    assert torch.equal(ours, ref)
    # Grey images and a street scene.
    assert torch.equal(
        canny_edges(batch[:, :1], *thresholds),
        opencv_canny_edges(batch[:, :1], *thresholds))
    scene = torch.from_numpy(_demo_scene(0, (64, 96))).permute(2, 0, 1)[None]
    ref = opencv_canny_edges(scene.float(), *thresholds)
    assert ref.sum() > 0
    assert torch.equal(canny_edges(scene.float(), *thresholds), ref)


def test_canny_hysteresis_bound():
    # A weak ramp 40 px long reached from one strong pixel: each
    # hysteresis step adds one pixel, so a bound below the length misses
    # the far end and a bound above it equals cv2.Canny.
    img = torch.zeros(1, 1, 9, 48)
    img[..., 4:, :] = 4.  # weak step edge along the whole row (|g| = 16)
    img[..., 4:, :2] = 64.  # strong at the left end (|g| = 256)
    ref = opencv_canny_edges(img, 10, 100)
    assert ref.sum() > 40
    assert torch.equal(canny_edges(img, 10, 100, hysteresis_iters=64), ref)
    short = canny_edges(img, 10, 100, hysteresis_iters=8)
    assert 0 < short.sum() < ref.sum()
    assert (short <= ref).all()  # a bound only drops weak pixels


def test_canny_backends_and_bad_args():
    from mmseg_ext.models.utils import CannyImageGradient
    img = torch.from_numpy(_demo_scene(1, (40, 56))).permute(2, 0, 1)[None]
    maps = [
        CannyImageGradient(backend=backend)(img.float())
        for backend in ('auto', 'torch', 'opencv')
    ]
    assert maps[0].sum() > 0
    assert torch.equal(maps[0], maps[1]) and torch.equal(maps[0], maps[2])
    with pytest.raises(ValueError, match='backend must be one of'):
        CannyImageGradient(backend='cuda')
    with pytest.raises(ValueError, match='hysteresis_iters'):
        CannyImageGradient(hysteresis_iters=None)


def test_canny_auto_dispatch():
    """'auto': cv2.Canny for eager CPU calls, tensor ops when traced."""
    from mmseg_ext.models.utils import CannyImageGradient
    from mmseg_ext.models.utils import image_gradient as module
    gradient = CannyImageGradient()
    img = torch.from_numpy(_demo_scene(2, (32, 48))).permute(2, 0,
                                                             1)[None].float()
    calls = []
    original = module.opencv_canny_edges

    def spy(*args):
        calls.append(1)
        return original(*args)

    module.opencv_canny_edges = spy
    try:
        eager = gradient(img)
        traced = torch.jit.trace(gradient, (img, ), check_trace=False)
    finally:
        module.opencv_canny_edges = original
    assert len(calls) == 1  # the trace ran the tensor version
    assert torch.equal(traced(img), eager)
    assert not gradient.uses_opencv(img.to('meta'))
    assert not CannyImageGradient(backend='torch').uses_opencv(img)
    assert CannyImageGradient(backend='opencv').uses_opencv(img)


@pytest.mark.parametrize('backend', ('auto', 'torch', 'opencv'))
def test_configs_with_every_past_backend_build_and_agree(backend):
    """Every value ``image_gradient.backend`` ever took ('auto' was the
    first default, then 'torch') builds and gives the same edges."""
    model = build_segmentor(
        image_gradient=dict(
            low_threshold=10., high_threshold=100., backend=backend))
    assert model.image_gradient.backend == backend
    img = torch.from_numpy(_demo_scene(3, (48, 64))).permute(2, 0,
                                                             1)[None].float()
    assert torch.equal(model.image_gradient(img), canny_edges(img, 10., 100.))


def _camvid_frames(count):
    import glob
    import os.path as osp

    import cv2
    root = osp.join(
        osp.dirname(osp.dirname(osp.dirname(__file__))), 'data', 'camvid',
        'img_dir', 'val')
    paths = sorted(glob.glob(osp.join(root, '*.png')))[:count]
    return [cv2.imread(p) for p in paths]


@pytest.mark.parametrize('source', ('camvid', 'demo'))
def test_canny_tensor_and_cv2_maps_bit_identical(source):
    """The two paths of backend='auto' give the same edges, at the
    default bound, on real street photos (CamVid val frames, 360x480, when
    the dataset is prepared) and on the demo scenes."""
    if source == 'camvid':
        images = _camvid_frames(4)
        if not images:
            pytest.skip('CamVid not prepared under data/camvid')
    else:
        images = [_demo_scene(seed, (256, 512)) for seed in range(3)]
    for img in images:
        batch = torch.from_numpy(img).permute(2, 0, 1)[None].float()
        ref = opencv_canny_edges(batch)
        assert ref.sum() > 100
        assert torch.equal(canny_edges(batch), ref)


def test_segmentor_unnormalises_before_canny():
    model = build_segmentor()
    raw = torch.from_numpy(_smooth_images(1, 1, (40, 48))).permute(0, 3, 1,
                                                                   2).float()
    data = model.data_preprocessor(
        dict(inputs=[raw[0].to(torch.uint8)], data_samples=[SegDataSample()]),
        False)
    # The preprocessor flips BGR to RGB and normalises; undo both.
    restored = model.unnormalize(data['inputs'])
    assert torch.allclose(restored, raw.flip(1), atol=1e-3)
    assert torch.equal(
        model.image_gradient(restored), canny_edges(raw.flip(1)))


# ----------------------------------------------------------- losses
LOSS_KEYS = {
    'decode.loss_ce', 'decode.loss_edge', 'decode.loss_edge_att',
    'decode.loss_dual', 'decode.acc_seg'
}


def test_loss_keys_and_optional_losses():
    model = build_segmentor()
    model.train()
    inputs, samples = make_batch(2, (40, 56), NUM_CLASSES)
    assert set(model.loss(inputs, samples)) == LOSS_KEYS
    model = build_segmentor(
        shape_stream_loss=dict(loss_edge=None, loss_dual=None))
    model.train()
    assert set(model.loss(inputs, samples)) == {
        'decode.loss_ce', 'decode.loss_edge_att', 'decode.acc_seg'
    }


def test_head_loss_keys_of_earlier_versions_move_to_the_segmentor():
    """Configs written when the losses were GSCNNHead arguments build."""
    head = gscnn_head_cfg(backbone_channels('resnetv1c'))
    head.update(loss_edge=None, loss_dual=dict(type='DualTaskLoss', tau=0.3))
    with pytest.warns(DeprecationWarning, match='moved to model.shape_'):
        model = build_segmentor(head=head)
    assert model.shape_stream_loss.loss_edge is None
    assert model.shape_stream_loss.loss_dual.tau == 0.3
    assert model.shape_stream_loss.loss_edge_att is not None
    head = gscnn_head_cfg(backbone_channels('resnetv1c'))
    head.update(loss_dual=None)
    with pytest.raises(ValueError, match='loss_dual is set both'):
        build_segmentor(head=head, shape_stream_loss=dict(loss_dual=None))


@pytest.mark.parametrize('case', ('empty_boundaries', 'all_ignore'))
def test_losses_finite_on_degenerate_targets(case):
    model = build_segmentor()
    model.train()
    inputs, samples = make_batch(2, (33, 47), NUM_CLASSES, ignore_ratio=0)
    for s in samples:
        s.gt_sem_seg.data[:] = 2 if case == 'empty_boundaries' else 255
    add_edge_maps(samples)
    if case == 'empty_boundaries':
        assert all(s.gt_edge_map.data.sum() == 0 for s in samples)
    losses = model.loss(inputs, samples)
    assert set(losses) == LOSS_KEYS
    total = loss_total(losses)
    assert torch.isfinite(total)
    total.backward()
    for p in model.parameters():
        if p.grad is not None:
            assert torch.isfinite(p.grad).all()


@pytest.mark.parametrize('sep', (False, True))
def test_labels_beyond_num_classes_are_named(sep):
    """A dataset with more classes than the head: an error naming the head
    and the labels, not torch's ``Target 10 is out of bounds``."""
    channels = backbone_channels('resnetv1c')
    head = (
        TestGSCNNSepASPPHead().head_cfg(channels, NUM_CLASSES)
        if sep else gscnn_head_cfg(channels))
    model = build_segmentor(head=head)
    model.train()
    inputs, samples = make_batch(2, (33, 47), NUM_CLASSES)
    samples[1].gt_sem_seg.data[0, 0, :3] = NUM_CLASSES + 3
    add_edge_maps(samples)
    name = 'GSCNNSepASPPHead' if sep else 'GSCNNHead'
    with pytest.raises(
            ConfigMismatchError,
            match=rf'{name}: num_classes={NUM_CLASSES} but the '
            rf'labels hold \[{NUM_CLASSES + 3}\]'):
        model.loss(inputs, samples)


def test_missing_edge_gt_names_the_transform():
    model = build_segmentor()
    model.train()
    inputs, samples = _make_batch(2, (32, 32), NUM_CLASSES)
    with pytest.raises(KeyError, match='GenerateSegBoundary'):
        model.loss(inputs, samples)


def test_head_without_shape_stream_neck_is_explained():
    channels = backbone_channels('resnetv1c')
    model = MODELS.build(
        dict(
            type='EncoderDecoder',
            backbone=base.TINY_BACKBONES['resnetv1c'],
            decode_head=gscnn_head_cfg(channels),
            test_cfg=ConfigDict(mode='whole')))
    with pytest.raises(TypeError, match='GSCNNHead consumes the Gated-SCNN'):
        model.predict(torch.randn(1, 3, 32, 32))
    with pytest.raises(ValueError, match='needs a shape-stream neck'):
        MODELS.build(
            dict(
                type='ShapeStreamEncoderDecoder',
                backbone=base.TINY_BACKBONES['resnetv1c'],
                decode_head=gscnn_head_cfg(channels)))


# ----------------------------------------------------------- inference
def _meta(size, **extra):
    meta = dict(img_shape=size, pad_shape=size, ori_shape=size)
    meta.update(extra)
    return meta


def test_pred_edge_map_whole_and_slide():
    model = build_segmentor()
    model.eval()
    inputs, samples = make_batch(1, (45, 61), NUM_CLASSES)
    with torch.no_grad():
        result = model.predict(inputs, samples)[0]
        feats = model.extract_feat(inputs)
    edge = result.pred_edge_map.data
    assert edge.shape == (1, 45, 61)
    assert edge.min() >= 0 and edge.max() <= 1
    expected = F.interpolate(
        feats.edge_logits, size=(45, 61), mode='bilinear',
        align_corners=False).sigmoid()[0]
    assert torch.allclose(edge, expected, atol=1e-5)
    assert result.seg_logits.data.shape == (NUM_CLASSES, 45, 61)

    model.test_cfg = ConfigDict(
        mode='slide', crop_size=(32, 40), stride=(21, 27))
    with torch.no_grad():
        slide = model.predict(inputs, copy.deepcopy(samples))[0]
    assert slide.seg_logits.data.shape == (NUM_CLASSES, 45, 61)
    assert slide.pred_sem_seg.data.shape == (1, 45, 61)
    assert slide.pred_edge_map.data.shape == (1, 45, 61)
    assert 0 <= slide.pred_edge_map.data.min() <= 1
    # One window covering the image: slide equals whole.
    model.test_cfg = ConfigDict(
        mode='slide', crop_size=(45, 61), stride=(45, 61))
    with torch.no_grad():
        single = model.predict(inputs, copy.deepcopy(samples))[0]
    assert torch.allclose(single.pred_edge_map.data, edge, atol=1e-6)
    assert torch.allclose(
        single.seg_logits.data, result.seg_logits.data, atol=1e-5)
    model.test_cfg = ConfigDict(mode='whole')
    # Predict without data samples (mmseg's inference API path).
    with torch.no_grad():
        bare = model.predict(inputs)[0]
    assert bare.pred_edge_map.data.shape == (1, 45, 61)


def test_slide_windows_and_seg_logits_are_mmsegs():
    """One pass over mmseg's windows gives mmseg's slide seg logits and
    the edge logits of the same windows, averaged the same way."""
    from mmseg.models.segmentors import EncoderDecoder
    model = build_segmentor()
    model.eval()
    model.test_cfg = ConfigDict(
        mode='slide', crop_size=(32, 40), stride=(21, 27))
    inputs, samples = make_batch(1, (45, 61), NUM_CLASSES)
    metas = [dict(s.metainfo) for s in samples]
    with torch.no_grad():
        seg, edge = model.inference_with_edges(inputs, metas)
        reference = EncoderDecoder.slide_inference(model, inputs,
                                                   [dict(m) for m in metas])
        # the windows' edge logits, stitched by hand
        total = torch.zeros(1, 1, 45, 61)
        count = torch.zeros(1, 1, 45, 61)
        for y1, x1 in ((0, 0), (0, 21), (13, 0), (13, 21)):
            crop = inputs[:, :, y1:y1 + 32, x1:x1 + 40]
            _, crop_edge = model.encode_decode_with_edges(
                crop, [dict(metas[0], img_shape=crop.shape[2:])])
            total[:, :, y1:y1 + 32, x1:x1 + 40] += crop_edge
            count[:, :, y1:y1 + 32, x1:x1 + 40] += 1
    assert torch.allclose(seg, reference, atol=1e-6)
    assert torch.allclose(edge, total / count, atol=1e-6)
    assert metas == [dict(s.metainfo) for s in samples]  # metas untouched


def test_threads_sharing_a_model_get_their_own_edges():
    """Nothing is parked on the model between calls: two threads that
    predict different images at once get what each gets alone."""
    from concurrent.futures import ThreadPoolExecutor
    model = build_segmentor()
    model.eval()
    batches = [make_batch(1, (45, 61), NUM_CLASSES, seed=i) for i in (0, 1)]
    with torch.no_grad():
        alone = [model.predict(x, s)[0].pred_edge_map.data for x, s in batches]
        with ThreadPoolExecutor(2) as pool:
            together = list(
                pool.map(lambda b: model.predict(*b)[0].pred_edge_map.data,
                         batches * 4))
    assert not torch.equal(alone[0], alone[1])
    for i, edge in enumerate(together):
        assert torch.equal(edge, alone[i % 2])


def test_flip_tta_merges_edges():
    model = build_segmentor()
    model.eval()
    tta = MODELS.build(dict(type='ShapeStreamTTAModel', module=model))
    raw = torch.randint(0, 256, (3, 35, 50), dtype=torch.uint8)
    views = []
    for flip in (False, True):
        s = SegDataSample()
        s.set_metainfo(
            _meta((35, 50),
                  flip=flip,
                  flip_direction='horizontal',
                  img_path='x.png'))
        views.append((raw.flip(-1) if flip else raw, s))
    data = dict(
        inputs=[[v[0]] for v in views], data_samples=[[v[1]] for v in views])
    with torch.no_grad():
        merged = tta.test_step(copy.deepcopy(data))[0]
        singles = [
            model.test_step(
                dict(inputs=[v[0]], data_samples=[copy.deepcopy(v[1])]))[0]
            for v in views
        ]
    assert merged.pred_sem_seg.data.shape == (1, 35, 50)
    mean_edge = (singles[0].pred_edge_map.data +
                 singles[1].pred_edge_map.data) / 2
    assert torch.allclose(merged.pred_edge_map.data, mean_edge, atol=1e-6)
    # The flipped view is flipped back: it equals the prediction of the
    # flipped image, mirrored.
    with torch.no_grad():
        plain = model.test_step(
            dict(
                inputs=[raw.flip(-1)],
                data_samples=[SegDataSample(metainfo=_meta((35, 50)))]))[0]
    assert torch.allclose(
        singles[1].pred_edge_map.data,
        plain.pred_edge_map.data.flip(-1),
        atol=1e-6)


def test_pred_edge_map_undoes_padding_and_resize():
    """mmseg's post-processing restores the geometry of the edge map too.
    """
    model = build_segmentor()
    model.eval()
    # A 30x41 image resized from 45x61, padded right / bottom to 32x48.
    inputs = F.pad(torch.randn(1, 3, 30, 41), (0, 7, 0, 2))
    sample = SegDataSample(
        metainfo=dict(
            ori_shape=(45, 61),
            img_shape=(30, 41),
            pad_shape=(32, 48),
            padding_size=[0, 7, 0, 2]))
    with torch.no_grad():
        result = model.predict(inputs, [sample])[0]
        _, edge_logits = model.encode_decode_with_edges(
            inputs, [sample.metainfo])
    expected = F.interpolate(
        edge_logits[:, :, :30, :41],
        size=(45, 61),
        mode='bilinear',
        align_corners=False).sigmoid()[0]
    assert result.pred_edge_map.data.shape == (1, 45, 61)
    assert torch.allclose(result.pred_edge_map.data, expected, atol=1e-6)


# ----------------------------------------------------------- tensor contract
@pytest.mark.parametrize('mode', ('whole', 'slide'))
def test_logits_have_num_classes_channels(mode):
    model = build_segmentor()
    model.eval()
    if mode == 'slide':  # 2 x 2 windows
        model.test_cfg = ConfigDict(
            mode='slide', crop_size=(32, 40), stride=(24, 30))
    inputs, samples = make_batch(1, (45, 61), NUM_CLASSES)
    metas = [s.metainfo for s in samples]
    with torch.no_grad():
        assert model.inference(inputs, metas).shape == (1, NUM_CLASSES, 45, 61)
        seg, edge = model.inference_with_edges(inputs, metas)
        assert seg.shape == (1, NUM_CLASSES, 45, 61)
        assert edge.shape == (1, 1, 45, 61)
        if mode == 'whole':
            assert model.encode_decode(inputs,
                                       metas).shape == (1, NUM_CLASSES, 45, 61)
            tensor = model(inputs, samples, mode='tensor')
            assert tensor.shape[:2] == (1, NUM_CLASSES)
    assert model.out_channels == NUM_CLASSES


def test_auxiliary_head_at_last_index_gets_a_backbone_feature():
    channels = backbone_channels('resnetv1c')
    aux = dict(
        type='FCNHead',
        in_channels=channels[-1],
        in_index=-1,
        channels=8,
        num_convs=1,
        concat_input=False,
        num_classes=NUM_CLASSES)
    model = build_segmentor(auxiliary_head=aux)
    model.train()
    inputs, samples = make_batch(2, (40, 48), NUM_CLASSES)
    seen = []
    model.auxiliary_head.convs[0].register_forward_pre_hook(
        lambda m, args: seen.append(args[0]))
    losses = model.loss(inputs, samples)
    assert 'aux.loss_ce' in losses
    feats = model.backbone(inputs)
    assert seen[0].shape == feats[-1].shape  # not the 1-channel edge map


# ----------------------------------------------------------- build checks
def test_head_with_its_own_loss_is_refused():
    channels = backbone_channels('resnetv1c')
    ocr = dict(
        type='OCRHead',
        in_channels=channels[-1],
        in_index=len(channels) - 1,
        channels=8,
        ocr_channels=8,
        num_classes=NUM_CLASSES)
    with pytest.raises(TypeError, match='OCRHead computes its own loss'):
        build_segmentor(head=ocr)


def test_labels_beyond_num_classes_named_for_an_mmseg_head():
    channels = backbone_channels('resnetv1c')
    upernet = dict(
        type='UPerHead',
        in_channels=list(channels),
        in_index=[0, 1, 2, 3],
        channels=8,
        num_classes=NUM_CLASSES)
    model = build_segmentor(head=upernet)
    model.train()
    inputs, samples = make_batch(1, (32, 32), NUM_CLASSES)
    samples[0].gt_sem_seg.data[0, 0, 0] = NUM_CLASSES + 2
    with pytest.raises(
            ConfigMismatchError,
            match=rf'UPerHead: num_classes={NUM_CLASSES} but the '
            rf'labels hold \[{NUM_CLASSES + 2}\]'):
        model.loss(inputs, samples)


def test_edge_fusion_for_a_head_that_fuses_itself_is_refused():
    with pytest.raises(ValueError, match='GSCNNHead fuses the shape stream'):
        build_segmentor(edge_fusion=dict(type='EdgeFeatureFusion'))


def test_unknown_test_mode_is_refused():
    with pytest.raises(ValueError, match="test_cfg.mode must be 'whole'"):
        build_segmentor(test_cfg=ConfigDict(mode='tiles'))


def test_shape_stream_neck_in_plain_encoder_decoder_is_explained():
    channels = backbone_channels('resnetv1c')
    model = MODELS.build(
        dict(
            type='EncoderDecoder',
            backbone=base.TINY_BACKBONES['resnetv1c'],
            neck=neck_cfg(channels),
            decode_head=dict(
                type='FCNHead',
                in_channels=channels[-1],
                in_index=3,
                channels=8,
                num_convs=1,
                num_classes=NUM_CLASSES),
            test_cfg=ConfigDict(mode='whole')))
    with pytest.raises(TypeError, match="model.type='ShapeStreamEncoder"):
        model.predict(torch.randn(1, 3, 32, 32))


@pytest.mark.parametrize('key', ('in_channels', 'fine_in_channels'))
def test_wrong_head_channels_fail_at_build(key):
    channels = backbone_channels('resnetv1c')
    head = gscnn_head_cfg(channels)
    expected = head[key]
    head[key] = expected + 3
    with pytest.raises(
            ConfigMismatchError,
            match=rf"decode_head \(GSCNNHead\): {key}={expected + 3} at "
            rf"(in_index=|output )\d, but the neck's in_channels gives "
            rf'\[?{expected}\]? there'):
        build_segmentor(head=head)


def test_wrong_auxiliary_head_channels_fail_at_build():
    channels = backbone_channels('resnetv1c')
    aux = dict(
        type='FCNHead',
        in_channels=channels[2] + 1,
        in_index=2,
        channels=8,
        num_convs=1,
        num_classes=NUM_CLASSES)
    with pytest.raises(
            ConfigMismatchError,
            match=rf'auxiliary_head \(FCNHead\): in_channels='
            rf'{channels[2] + 1} at in_index=2'):
        build_segmentor(auxiliary_head=aux)
    aux.update(
        in_channels=[channels[1], channels[2] + 1],
        in_index=[1, 2],
        input_transform='resize_concat')
    with pytest.raises(
            ConfigMismatchError, match=r'there \(resize_concat: their sum\)'):
        build_segmentor(auxiliary_head=aux)


def test_wrong_sep_aspp_c1_channels_fail_at_build():
    channels = backbone_channels('resnetv1c')
    head = TestGSCNNSepASPPHead().head_cfg(channels, NUM_CLASSES)
    head['c1_in_channels'] = channels[0] + 1
    with pytest.raises(
            ConfigMismatchError,
            match=rf'GSCNNSepASPPHead\): c1_in_channels={channels[0] + 1} '
            rf'at output 0, but .* gives {channels[0]} there'):
        build_segmentor(head=head)


# ----------------------------------------------------------- batch 1
@pytest.mark.parametrize('head', ('GSCNNHead', 'GSCNNSepASPPHead'))
def test_train_step_at_batch_1_with_bn(head):
    """One image per device, BN in train mode, odd size: the image-pool
    branch (1x1 map) must not batch-normalise a single value."""
    channels = backbone_channels('resnetv1c')
    cfg = gscnn_head_cfg(channels) if head == 'GSCNNHead' else \
        TestGSCNNSepASPPHead().head_cfg(channels, NUM_CLASSES)
    cfg['norm_cfg'] = dict(type='BN')
    model = build_segmentor(head=cfg)
    model.train()
    inputs, samples = make_batch(1, (33, 47), NUM_CLASSES)
    optim = torch.optim.SGD(model.parameters(), lr=1e-3)
    losses = model.loss(inputs, samples)
    total = loss_total(losses)
    assert torch.isfinite(total)
    total.backward()
    pool = model.decode_head.aspp.image_pool[1].conv
    assert pool.weight.grad.abs().sum() > 0
    optim.step()


# ----------------------------------------------------------- resizes
def test_final_upsampling_uses_align_corners_inner_resizes_their_own():
    channels = backbone_channels('resnetv1c')
    head = gscnn_head_cfg(channels)
    head.update(align_corners=False, inner_align_corners=True)
    model = build_segmentor(head=head)
    model.eval()
    assert model.decode_head.aspp.align_corners is True
    assert model.align_corners is False
    inputs, samples = make_batch(1, (45, 61), NUM_CLASSES)
    with torch.no_grad():
        low = model(inputs, samples, mode='tensor')
        full = model.encode_decode(inputs, [s.metainfo for s in samples])
        result = model.predict(inputs, samples)[0]
    expected = F.interpolate(
        low, size=(45, 61), mode='bilinear', align_corners=False)
    assert torch.allclose(full, expected, atol=1e-6)
    assert torch.allclose(result.seg_logits.data, expected[0], atol=1e-6)


# ----------------------------------------------------------- checkpoints
def _legacy_state_dict(model):
    """The state dict the model had before EdgeAwareASPP: ASPP parts at
    the head level, a BatchNorm in the image-pooling branch."""
    state = {}
    for key, value in model.state_dict().items():
        state[key.replace('decode_head.aspp.', 'decode_head.')] = value
    conv = 'decode_head.image_pool.1.conv.'
    bias = state.pop(conv + 'bias')
    g = torch.Generator().manual_seed(1)
    channels = bias.shape[0]
    bn = dict(
        weight=torch.rand(channels, generator=g) + 0.5,
        bias=torch.randn(channels, generator=g),
        running_mean=torch.randn(channels, generator=g),
        running_var=torch.rand(channels, generator=g) + 0.5)
    for name, value in bn.items():
        state[f'decode_head.image_pool.1.bn.{name}'] = value
    state['decode_head.image_pool.1.bn.num_batches_tracked'] = torch.tensor(3)
    return state, bn


@pytest.mark.parametrize('head', ('GSCNNHead', 'GSCNNSepASPPHead'))
def test_checkpoint_from_before_edge_aware_aspp_loads(head, tmp_path):
    from mmengine.runner import load_checkpoint
    channels = backbone_channels('resnetv1c')
    cfg = gscnn_head_cfg(channels) if head == 'GSCNNHead' else \
        TestGSCNNSepASPPHead().head_cfg(channels, NUM_CLASSES)
    model = build_segmentor(head=cfg)
    model.eval()
    state, bn = _legacy_state_dict(model)
    torch.save(dict(state_dict=state), tmp_path / 'old.pth')
    fresh = build_segmentor(head=cfg)
    fresh.eval()
    load_checkpoint(fresh, str(tmp_path / 'old.pth'), strict=True)
    # The old branch: BN(conv(pool(x))) then ReLU, with the saved stats.
    x = torch.randn(2, channels[-1], 1, 1)
    conv = model.decode_head.aspp.image_pool[1].conv
    weight = state['decode_head.image_pool.1.conv.weight']
    old = F.batch_norm(
        F.conv2d(x, weight),
        bn['running_mean'],
        bn['running_var'],
        bn['weight'],
        bn['bias'],
        eps=1e-5).relu()
    assert conv is not fresh.decode_head.aspp.image_pool[1].conv
    new = fresh.decode_head.aspp.image_pool[1](x)
    assert torch.allclose(new, old, atol=1e-5)
