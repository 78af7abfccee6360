# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Gated-SCNN: gated conv, shape-stream neck, image gradients, segmentor,
heads (through the shared base), TTA, configs and a short demo training."""
import copy
import glob
import os.path as osp

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config, ConfigDict
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

from mmseg_ext.datasets.transforms import GenerateSegBoundary
from mmseg_ext.models.necks.gated_conv import GatedConv
from mmseg_ext.models.segmentors.image_gradient import (canny_edges,
                                                        opencv_canny_edges)
from ..tiny_runs import REPO_ROOT
from . import seg_head_test_base as base
from .seg_head_test_base import SegHeadTestBase, backbone_channels, loss_total

NUM_CLASSES = 5
MEAN = [123.675, 116.28, 103.53]
STD = [58.395, 57.12, 57.375]
_make_batch = base.make_batch


def add_edge_maps(samples, radius=1):
    """``gt_edge_map`` as ``GenerateSegBoundary`` + ``PackSegInputs`` give.
    """
    transform = GenerateSegBoundary(radius=radius)
    for s in samples:
        label = s.gt_sem_seg.data[0].numpy().astype(np.uint8)
        edge = transform.transform({'gt_seg_map': label})['gt_edge_map']
        s.gt_edge_map = PixelData(
            data=torch.from_numpy(edge[None].astype(np.int64)))
    return samples


def make_batch(*args, **kwargs):
    inputs, samples = _make_batch(*args, **kwargs)
    return inputs, add_edge_maps(samples)


def neck_cfg(in_channels, stride=2):
    last = len(in_channels) - 1
    return dict(
        type='GatedShapeStream',
        in_channels=list(in_channels),
        in_index=(1, last),
        stream_index=0,
        channels=(8, 4),
        stream_in_channels=8,
        stride=stride)


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

    def make_batch(self, batch, size, seed=0):
        # The base builds batches without gt_edge_map; add it.
        return make_batch(batch, size, self.num_classes, seed=seed)

    def build_model(self, backbone='resnetv1c'):
        self._backbone = backbone
        return super().build_model(backbone)

    def extra_model_cfg(self):
        channels = backbone_channels(getattr(self, '_backbone', 'resnetv1c'))
        return dict(type='ShapeStreamEncoderDecoder', neck=neck_cfg(channels))


class TestGSCNNHead(_ShapeStreamHeadTest):

    def head_cfg(self, in_channels, num_classes):
        return gscnn_head_cfg(in_channels, num_classes)


class TestGSCNNSepASPPHead(_ShapeStreamHeadTest):
    # The head-independent paths run for every family in TestGSCNNHead.
    backbones = ('resnetv1c', 'hrnet')

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


def test_gated_conv_bad_input():
    conv = GatedConv(4, 4)
    with pytest.raises(ValueError, match='GatedConv expects feature'):
        conv(torch.randn(1, 4, 5, 5), torch.randn(1, 1, 5, 6))
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
    assert len(out) == len(feats) + 2
    assert all(a is b for a, b in zip(out, feats))
    size = (-(-37 // stride), -(-51 // stride))
    assert out[-2].shape == (1, 1, *size) == out[-1].shape
    assert out[-1].min() >= 0 and out[-1].max() <= 1


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


@pytest.mark.parametrize('thresholds', ((10, 100), (100, 30), (0.5, 250.7)))
def test_canny_matches_opencv(thresholds):
    imgs = _smooth_images(0, 2, (37, 53))
    demo = sorted(
        glob.glob(
            osp.join(REPO_ROOT, 'data', 'demo_cityscapes', 'leftImg8bit',
                     'val', '*', '*.png')))[:1]
    batch = torch.from_numpy(imgs).permute(0, 3, 1, 2).float()
    ours = canny_edges(batch, *thresholds)
    ref = opencv_canny_edges(batch, *thresholds)
    assert ours.shape == (2, 1, 37, 53)
    assert ref.sum() > 0
    assert torch.equal(ours, ref)
    # Grey images and a real demo image (when the data is there).
    assert torch.equal(
        canny_edges(batch[:, :1], *thresholds),
        opencv_canny_edges(batch[:, :1], *thresholds))
    if demo:
        import cv2
        img = torch.from_numpy(cv2.imread(demo[0])).permute(2, 0, 1)[None]
        assert torch.equal(
            canny_edges(img.float(), *thresholds),
            opencv_canny_edges(img.float(), *thresholds))


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
    head = gscnn_head_cfg(backbone_channels('resnetv1c'))
    head.update(loss_edge=None, loss_dual=None)
    model = build_segmentor(head=head)
    model.train()
    assert set(model.loss(inputs, samples)) == {
        'decode.loss_ce', 'decode.loss_edge_att', 'decode.acc_seg'
    }


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
    with pytest.raises(ValueError, match='GatedShapeStream'):
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
        feats[-2], size=(45, 61), mode='bilinear',
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
    # Predict without data samples (mmseg's inference API path).
    with torch.no_grad():
        bare = model.predict(inputs)[0]
    assert bare.pred_edge_map.data.shape == (1, 45, 61)


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


# ----------------------------------------------------------- configs
GSCNN_CONFIGS = sorted(
    glob.glob(osp.join(REPO_ROOT, 'configs', 'gscnn', '*.py')) +
    [osp.join(REPO_ROOT, 'configs', 'gscnn_r101_cityscapes.py')])


@pytest.mark.parametrize(
    'path', GSCNN_CONFIGS, ids=[osp.basename(p) for p in GSCNN_CONFIGS])
def test_config_loads_and_builds(path):
    cfg = Config.fromfile(path)
    pipeline = [t['type'] for t in cfg.train_dataloader.dataset.pipeline]
    if cfg.model.type == 'ShapeStreamEncoderDecoder':
        assert 'GenerateSegBoundary' in pipeline
        assert pipeline.index('GenerateSegBoundary') < pipeline.index(
            'PackSegInputs')
        assert cfg.tta_model.type == 'ShapeStreamTTAModel'
    with torch.device('meta'):
        model = MODELS.build(cfg.model)
    assert model.num_classes == 19


# ----------------------------------------------------------- training
README_DEMO = osp.join(
    REPO_ROOT, 'configs', 'demo',
    'gscnn_r18-c32-d16_1xb4-500it_demo-cityscapes-256x512.py')
TINY_PIPELINE = """
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='RandomFlip', prob=0.5),
    dict(type='GenerateSegBoundary', radius=2),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
optim_wrapper = dict(optimizer=dict(lr=4e-3))
param_scheduler = [dict(type='ConstantLR', factor=1.0, begin=0, end=1,
                        by_epoch=False)]
"""


def _train_losses(work_dir):
    import json
    logs = glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))
    assert logs, f'no scalars.json under {work_dir}'
    losses = []
    with open(logs[0]) as f:
        for line in f:
            record = json.loads(line)
            if 'loss' in record and 'decode.loss_edge' in record:
                losses.append(record['loss'])
    return losses


@pytest.mark.slow
def test_demo_training_loss_goes_down_and_tools_test(tmp_path):
    from ..tiny_runs import run_tool, write_tiny_config
    config = write_tiny_config(
        str(tmp_path / 'tiny_gscnn.py'),
        str(tmp_path / 'demo_data'),
        base=README_DEMO,
        max_iters=16,
        extra=TINY_PIPELINE)
    work = str(tmp_path / 'work')
    run_tool(['tools/train.py', config, '--work-dir', work])
    losses = _train_losses(work)
    assert len(losses) == 16 and all(np.isfinite(losses))
    first, last = np.mean(losses[:4]), np.mean(losses[-4:])
    assert last < first, f'loss did not go down: {losses}'
    # tools/test.py with flip / multi-scale TTA and sliding windows.
    proc = run_tool([
        'tools/test.py', config,
        osp.join(work, 'iter_16.pth'), '--tta', '--work-dir',
        str(tmp_path / 'test'), '--out',
        str(tmp_path / 'maps'), '--cfg-options', 'model.test_cfg.mode=slide',
        'model.test_cfg.crop_size=(48,48)', 'model.test_cfg.stride=(32,32)'
    ])
    out = proc.stdout + proc.stderr
    # the demo evaluator list: region and boundary metrics
    for key in ('mIoU', 'BF@1px', 'BF@5px', 'BIoU'):
        assert key in out, key
    # --out with an evaluator list: IoUMetric writes the maps
    assert len(glob.glob(str(tmp_path / 'maps' / '*.png'))) == 4


def test_readme_demo_is_gscnn():
    """`make demo` trains the Gated-SCNN demo config."""
    with open(osp.join(REPO_ROOT, 'Makefile')) as f:
        line = next(x for x in f if x.startswith('DEMO_CONFIG'))
    assert osp.join(REPO_ROOT, line.split('?=')[1].strip()) == README_DEMO
    cfg = Config.fromfile(README_DEMO)
    assert cfg.model.type == 'ShapeStreamEncoderDecoder'
    assert cfg.model.decode_head.type == 'GSCNNHead'
    assert cfg.train_cfg.max_iters == 500
    assert cfg.param_scheduler[-1]['end'] == 500
