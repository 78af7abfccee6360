# Copyright (c) mmseg_ext contributors. All rights reserved.
"""One parametric test base that every decode head of the package runs.

A head test subclasses :class:`SegHeadTestBase` and implements
:meth:`SegHeadTestBase.head_cfg`, which turns the channel list of a tiny
backbone into the head's config. The base then builds a whole
``EncoderDecoder`` from the registry for each backbone family (ResNetV1c,
ResNet, MobileNetV2, HRNet, MiT) and checks: training loss keys and finite
values, backward with finite gradients, training at batch 1 with
BatchNorm in every head at an odd size (where BatchNorm on 1x1 bins
breaks, mmseg #272), inference at odd / non-square / non-multiple-of-32
sizes, bf16 autocast on CPU, and ONNX export (legacy exporter) run in
onnxruntime on a second image. Only the backbone families in
``backbones`` are parametrised.

With ``shape_stream = True`` the same checks run on the head inside a
``ShapeStreamEncoderDecoder`` with a tiny ``GatedShapeStream``: the head as
it is, the boundary map fused at its input, the four Gated-SCNN losses and
``pred_edge_map`` at inference::

    class TestMyHead(SegHeadTestBase):
        def head_cfg(self, in_channels, num_classes):
            return dict(type='MyHead', in_channels=in_channels[-1],
                        channels=16, num_classes=num_classes)
"""
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import pytest
import torch
from mmengine.config import ConfigDict
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from torch.nn.modules.batchnorm import _BatchNorm

import mmseg_ext  # noqa: F401
from mmseg_ext.datasets.transforms import GenerateSegBoundary
from ..export_support import legacy_export_kwargs

NUM_CLASSES = 5
BN = dict(type='BN', requires_grad=True)

#: Tiny members of each backbone family (random init, a few K params).
TINY_BACKBONES: Dict[str, dict] = {
    'resnetv1c':
    dict(
        type='ResNetV1c',
        depth=18,
        stem_channels=8,
        base_channels=8,
        strides=(1, 2, 1, 1),
        dilations=(1, 1, 2, 4),
        contract_dilation=True),
    'resnet':
    dict(type='ResNet', depth=18, stem_channels=8, base_channels=8),
    'mobilenetv2':
    dict(
        type='MobileNetV2',
        widen_factor=0.25,
        strides=(1, 2, 2, 1, 1, 1, 1),
        dilations=(1, 1, 1, 2, 2, 4, 4),
        out_indices=(1, 2, 4, 6)),
    'hrnet':
    dict(
        type='HRNet',
        extra=dict(
            stage1=dict(
                num_modules=1,
                num_branches=1,
                block='BOTTLENECK',
                num_blocks=(1, ),
                num_channels=(8, )),
            stage2=dict(
                num_modules=1,
                num_branches=2,
                block='BASIC',
                num_blocks=(1, 1),
                num_channels=(8, 16)),
            stage3=dict(
                num_modules=1,
                num_branches=3,
                block='BASIC',
                num_blocks=(1, 1, 1),
                num_channels=(8, 16, 32)),
            stage4=dict(
                num_modules=1,
                num_branches=4,
                block='BASIC',
                num_blocks=(1, 1, 1, 1),
                num_channels=(8, 16, 32, 64)))),
    'mit':
    dict(
        type='MixVisionTransformer',
        embed_dims=8,
        num_layers=[1, 1, 1, 1],
        num_heads=[1, 1, 2, 4],
        mlp_ratio=2),
}

_CHANNELS: Dict[str, List[int]] = {}


def backbone_channels(name: str) -> List[int]:
    """Output channels of a tiny backbone (measured once, cached)."""
    if name not in _CHANNELS:
        bb = MODELS.build(TINY_BACKBONES[name])
        bb.eval()  # mmseg's ResNet.train() returns None: no chaining
        with torch.no_grad():
            outs = bb(torch.zeros(1, 3, 64, 64))
        _CHANNELS[name] = [o.shape[1] for o in outs]
    return _CHANNELS[name]


def make_batch(batch: int,
               size: Tuple[int, int],
               num_classes: int,
               ignore_ratio: float = 0.1,
               seed: int = 0):
    """Random images and labels (with some 255 pixels) for ``model.loss``."""
    g = torch.Generator().manual_seed(seed)
    h, w = size
    inputs = torch.randn(batch, 3, h, w, generator=g)
    samples = []
    for _ in range(batch):
        label = torch.randint(0, num_classes, (1, h, w), generator=g)
        label[torch.rand(1, h, w, generator=g) < ignore_ratio] = 255
        s = SegDataSample()
        s.gt_sem_seg = PixelData(data=label)
        s.set_metainfo(
            dict(img_shape=(h, w), pad_shape=(h, w), ori_shape=(h, w)))
        samples.append(s)
    return inputs, samples


def add_edge_maps(samples, radius: int = 1):
    """``gt_edge_map`` as ``GenerateSegBoundary`` + ``PackSegInputs`` give.
    """
    transform = GenerateSegBoundary(radius=radius)
    for s in samples:
        label = s.gt_sem_seg.data[0].numpy().astype(np.uint8)
        edge = transform.transform({'gt_seg_map': label})['gt_edge_map']
        s.gt_edge_map = PixelData(
            data=torch.from_numpy(edge[None].astype(np.int64)))
    return samples


def shape_stream_neck_cfg(in_channels: Sequence[int], stride: int = 2):
    """A tiny ``GatedShapeStream`` for a backbone with these outputs."""
    last = len(in_channels) - 1
    return dict(
        type='GatedShapeStream',
        in_channels=list(in_channels),
        in_index=(1, last),
        stream_index=0,
        channels=(8, 4),
        stream_in_channels=8,
        stride=stride)


def loss_total(losses: dict) -> torch.Tensor:
    """Sum the entries mmengine would sum (keys containing 'loss')."""
    total = 0.
    for key, value in losses.items():
        if 'loss' in key:
            total = total + (sum(value) if isinstance(value, list) else value)
    return total


class SegHeadTestBase:
    """Shared checks for a decode head inside a full segmentor."""

    #: Backbone families the head supports; only these are parametrised.
    backbones: Sequence[str] = tuple(TINY_BACKBONES)
    #: Input sizes of the inference check.
    sizes: Sequence[Tuple[int, int]] = ((33, 47), (64, 64), (50, 97))
    num_classes: int = NUM_CLASSES
    #: Why the head cannot train at batch 1 with BatchNorm, if it cannot:
    #: the check is then an ``xfail(strict=True)`` (it must keep failing).
    batch1_failure: Optional[str] = None
    #: Run the head inside ``ShapeStreamEncoderDecoder``.
    shape_stream: bool = False
    #: Image size of the ONNX export check.
    export_size: Tuple[int, int] = (64, 64)
    #: Set by :meth:`build_batch1_model`: the ``norm_cfg`` forced into
    #: every head while the model is built.
    _forced_norm_cfg: Optional[dict] = None

    def pytest_generate_tests(self, metafunc):
        """Parametrise ``backbone`` and ``size`` from the class attributes
        (pytest calls this hook of a test class)."""
        if 'backbone' in metafunc.fixturenames:
            metafunc.parametrize('backbone', tuple(self.backbones))
        if 'size' in metafunc.fixturenames:
            metafunc.parametrize('size', tuple(self.sizes))

    def head_cfg(self, in_channels: List[int], num_classes: int) -> dict:
        """Config of the head under test for a backbone with these outputs."""
        raise NotImplementedError

    def extra_model_cfg(self, in_channels: List[int]) -> dict:
        """Extra segmentor keys (``neck``, ``auxiliary_head``...)."""
        return {}

    def make_batch(self, batch: int, size: Tuple[int, int], seed: int = 0):
        """Inputs and data samples for the model under test, with
        ``gt_edge_map`` for a shape-stream model."""
        inputs, samples = make_batch(batch, size, self.num_classes, seed=seed)
        if self.shape_stream:
            add_edge_maps(samples)
        return inputs, samples

    def build_model(self, backbone: str = 'resnetv1c'):
        torch.manual_seed(0)
        channels = backbone_channels(backbone)
        cfg = dict(
            type='EncoderDecoder',
            backbone=TINY_BACKBONES[backbone],
            decode_head=self.head_cfg(channels, self.num_classes),
            train_cfg=ConfigDict(),
            test_cfg=ConfigDict(mode='whole'))
        if self.shape_stream:
            cfg.update(
                type='ShapeStreamEncoderDecoder',
                neck=shape_stream_neck_cfg(channels))
        cfg.update(self.extra_model_cfg(channels))
        if self._forced_norm_cfg is not None:
            for key in ('decode_head', 'auxiliary_head'):
                heads = cfg.get(key)
                for head in heads if isinstance(heads, list) else [heads]:
                    if head is not None:
                        head['norm_cfg'] = self._forced_norm_cfg
        return MODELS.build(cfg)

    def build_batch1_model(self, backbone: str):
        """:meth:`build_model` with BatchNorm in every head (decode and
        auxiliary), whatever their configs say."""
        self._forced_norm_cfg = BN
        try:
            return self.build_model(backbone)
        finally:
            self._forced_norm_cfg = None

    def trained_modules(self, model) -> List[torch.nn.Module]:
        """Modules that must get a gradient from the loss."""
        modules = [model.decode_head]
        if self.shape_stream:
            modules.append(model.neck)
            if model.edge_fusion is not None:
                modules.append(model.edge_fusion)
        return modules

    def test_build_from_registry(self):
        model = self.build_model()
        head_type = self.head_cfg(
            backbone_channels('resnetv1c'), self.num_classes)['type']
        assert MODELS.get(head_type) is type(model.decode_head)

    def test_loss_and_backward(self, backbone):
        model = self.build_model(backbone)
        model.train()
        inputs, samples = self.make_batch(2, (64, 80))
        losses = model.loss(inputs, samples)
        loss_keys = [k for k in losses if 'loss' in k]
        assert loss_keys and all(
            k.startswith(('decode.', 'aux'))
            for k in loss_keys), losses.keys()
        if self.shape_stream:
            assert {
                'decode.loss_edge', 'decode.loss_edge_att', 'decode.loss_dual'
            } <= set(losses), losses.keys()
        total = loss_total(losses)
        assert torch.isfinite(total), losses
        total.backward()
        for module in self.trained_modules(model):
            grads = [
                p.grad for p in module.parameters()
                if p.requires_grad and p.grad is not None
            ]
            assert grads, f'no gradient reached {type(module).__name__}'
            assert all(torch.isfinite(g).all() for g in grads)

    def test_train_batch1_with_bn_at_odd_size(self, backbone, request):
        """One image per device (the shipped 8 x 1 GPU configs), BatchNorm
        in the heads, an odd size: loss, backward, finite gradients in
        every head parameter that gets one."""
        if self.batch1_failure:
            request.node.add_marker(
                pytest.mark.xfail(strict=True, reason=self.batch1_failure))
        model = self.build_batch1_model(backbone)
        head_type = type(model.decode_head).__name__
        aux = getattr(model, 'auxiliary_head', None)
        heads = [model.decode_head] + (
            list(aux) if isinstance(aux, torch.nn.ModuleList) else
            [aux] if aux is not None else [])
        assert any(
            isinstance(m, _BatchNorm) for m in model.decode_head.modules()
        ), f'{head_type} has no BatchNorm with norm_cfg=BN: nothing tested'
        model.train()
        inputs, samples = self.make_batch(1, (33, 47))
        losses = model.loss(inputs, samples)
        total = loss_total(losses)
        assert torch.isfinite(total), losses
        total.backward()
        for head in heads:
            grads = [p.grad for p in head.parameters() if p.grad is not None]
            assert grads, f'no gradient reached {type(head).__name__}'
            assert all(torch.isfinite(g).all() for g in grads)

    def test_predict_any_size(self, size):
        model = self.build_model()
        model.eval()
        inputs, samples = self.make_batch(1, size)
        with torch.no_grad():
            results = model.predict(inputs, samples)
        logits = results[0].seg_logits.data
        assert logits.shape == (self.num_classes, *size)
        assert torch.isfinite(logits).all()
        pred = results[0].pred_sem_seg.data
        assert pred.shape == (1, *size)
        if self.shape_stream:
            edge = results[0].pred_edge_map.data
            assert edge.shape == (1, *size)
            assert edge.min() >= 0 and edge.max() <= 1

    def test_bf16_autocast(self):
        model = self.build_model()
        model.train()
        inputs, samples = self.make_batch(2, (48, 56))
        with torch.autocast('cpu', dtype=torch.bfloat16):
            losses = model.loss(inputs, samples)
            total = loss_total(losses)
        assert torch.isfinite(total.float())
        total.backward()
        for p in model.decode_head.parameters():
            if p.grad is not None:
                assert torch.isfinite(p.grad).all()

    def test_onnx_export_runs_on_a_second_image(self, tmp_path):
        """``forward(mode='tensor')`` exported on one image (legacy
        exporter, opset 17) matches PyTorch in onnxruntime on another."""
        ort = pytest.importorskip('onnxruntime')
        model = self.build_model()
        model.eval()
        example, _ = make_batch(1, self.export_size, self.num_classes, seed=1)
        other, _ = make_batch(1, self.export_size, self.num_classes, seed=2)
        path = str(tmp_path / 'model.onnx')
        with torch.no_grad():
            expected = model(other, mode='tensor')
            torch.onnx.export(
                model, (example, ),
                path,
                **legacy_export_kwargs(),
                opset_version=17,
                input_names=['inputs'],
                output_names=['seg_logits'])
        session = ort.InferenceSession(
            path, providers=['CPUExecutionProvider'])
        (actual, ) = session.run(None, {'inputs': other.numpy()})
        assert actual.shape == tuple(expected.shape)
        assert np.abs(actual - expected.numpy()).max() <= 1e-4
