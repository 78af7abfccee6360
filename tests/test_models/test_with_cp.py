# Copyright (c) mmseg_ext contributors. All rights reserved.
"""``with_cp=True`` on the Gated-SCNN parts: same values and gradients.

A whole Gated-SCNN segmentor (a tiny ``WiderResNet``, the shape stream and
each head) computes its training losses with and without gradient
checkpointing of the backbone, the shape stream and the head; losses and
every parameter gradient must agree. The option is read from the config
(``model.backbone/neck/decode_head.with_cp``).
"""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmseg.registry import MODELS

from mmseg_ext.models.utils.checkpointing import maybe_checkpoint
from .seg_head_test_base import make_batch
from .test_gscnn import add_edge_maps
from .test_host_syncs import CAMVID, FAMILIES

NUM_CLASSES = 5
#: Tiny WRN widths (mid, out) / (mid, mid, out) per module, no dropout.
BACKBONE = dict(
    type='WiderResNet',
    stem_channels=4,
    num_blocks=(1, 1, 1, 1, 1, 1),
    channels=((8, 8), (8, 8), (12, 12), (8, 16), (8, 8, 16), (8, 16, 24)),
    dropouts=(0., ) * 6)
WIDTHS = [4, 8, 8, 12, 16, 16, 24]


def head_cfg(kind: str, with_cp: bool) -> dict:
    common = dict(
        in_channels=WIDTHS[-1],
        in_index=6,
        channels=8,
        num_classes=NUM_CLASSES,
        dilations=(1, 2),
        norm_cfg=dict(type='BN'),
        with_cp=with_cp,
        # deterministic dual loss (no Gumbel noise) for the comparison
        loss_dual=dict(type='DualTaskLoss', gumbel=False))
    if kind == 'GSCNNHead':
        return dict(
            type='GSCNNHead',
            fine_in_index=1,
            fine_in_channels=WIDTHS[1],
            fine_channels=4,
            **common)
    return dict(
        type='GSCNNSepASPPHead',
        c1_in_channels=WIDTHS[0],
        c1_channels=4,
        **common)


def build(kind: str, with_cp: bool) -> torch.nn.Module:
    torch.manual_seed(0)
    return MODELS.build(
        dict(
            type='ShapeStreamEncoderDecoder',
            backbone=dict(BACKBONE, with_cp=with_cp),
            neck=dict(
                type='GatedShapeStream',
                in_channels=WIDTHS,
                in_index=(2, 3, 6),
                stream_index=0,
                channels=(8, 4, 4),
                with_cp=with_cp),
            decode_head=head_cfg(kind, with_cp),
            data_preprocessor=dict(
                type='SegDataPreProcessor',
                mean=[123.675, 116.28, 103.53],
                std=[58.395, 57.12, 57.375]),
            train_cfg=dict(),
            test_cfg=dict(mode='whole'))).double()


@pytest.mark.parametrize('kind', ['GSCNNHead', 'GSCNNSepASPPHead'])
def test_with_cp_same_losses_and_gradients(kind):
    inputs, samples = make_batch(2, (33, 41), NUM_CLASSES)
    add_edge_maps(samples)
    results, stored = [], []
    for with_cp in (False, True):
        model = build(kind, with_cp).train()
        saved = []

        def pack(tensor):
            saved.append(tensor.numel() * tensor.element_size())
            return tensor

        # bytes kept for backward (checkpointed parts keep their inputs)
        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            losses = model.loss(inputs.double(), samples)
        stored.append(sum(saved))
        total = sum(v for k, v in losses.items() if 'loss' in k)
        total.backward()
        grads = {n: p.grad for n, p in model.named_parameters()}
        results.append((losses, grads))
    (plain, plain_grads), (cp, cp_grads) = results
    assert stored[1] < 0.6 * stored[0], stored
    assert plain.keys() == cp.keys()
    for key in plain:
        torch.testing.assert_close(cp[key], plain[key])
    assert plain_grads.keys() == cp_grads.keys()
    for name, grad in plain_grads.items():
        assert grad is not None, name
        torch.testing.assert_close(cp_grads[name], grad, msg=name)


def test_maybe_checkpoint_recomputes_only_with_grad():
    calls = []

    def square(x):
        calls.append(1)
        return x * x  # saves x for backward

    x = torch.ones(3, requires_grad=True)
    maybe_checkpoint(square, x, with_cp=True).sum().backward()
    assert len(calls) == 2  # forward, then the recomputation
    calls.clear()
    with torch.no_grad():
        maybe_checkpoint(square, x, with_cp=True)
    maybe_checkpoint(square, x, with_cp=False).sum().backward()
    assert len(calls) == 2  # once each: no recomputation


@pytest.mark.parametrize('family', ['GSCNNHead', 'GSCNNSepASPPHead'])
def test_with_cp_reachable_from_config(family):
    cfg = Config.fromfile(osp.join(CAMVID, FAMILIES[family]))
    cfg.merge_from_dict({
        'model.backbone.with_cp': True,
        'model.neck.with_cp': True,
        'model.decode_head.with_cp': True
    })
    model = MODELS.build(cfg.model)
    assert model.backbone.with_cp and model.neck.with_cp
    assert model.decode_head.with_cp and model.decode_head.aspp.with_cp
    default = MODELS.build(
        Config.fromfile(osp.join(CAMVID, FAMILIES[family])).model)
    assert not (default.neck.with_cp or default.decode_head.with_cp
                or default.decode_head.aspp.with_cp)
