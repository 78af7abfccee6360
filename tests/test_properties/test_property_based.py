# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Property-based tests (hypothesis) over every head, neck, loss and metric
of the package: random H, W in [33, 300], batch 1-3, random labels with
ignore pixels, fp32 and bf16 autocast. Shapes right, values and gradients
finite.

The heads come from the shared head-test cases (every ``SegHeadTestBase``
subclass in ``tests/test_models``); a coverage test fails when a head, neck
or loss of the package has no case here.
"""
import importlib
import inspect
import pkgutil
from functools import lru_cache

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mmseg.registry import METRICS, MODELS

from ..test_models import seg_head_test_base as base

for _mod in pkgutil.iter_modules(
        importlib.import_module('tests.test_models').__path__):
    importlib.import_module(f'tests.test_models.{_mod.name}')


def _all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


HEAD_CASES = sorted(
    {
        c
        for c in _all_subclasses(base.SegHeadTestBase)
        if c.__name__.startswith('Test') and not inspect.isabstract(c)
    },
    key=lambda c: c.__name__)

SETTINGS = settings(
    max_examples=4,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.too_slow, HealthCheck.function_scoped_fixture
    ])


@lru_cache(maxsize=None)
def _model(case):
    inst = case()
    return inst, inst.build_model('resnetv1c')


def _package_types(subpackage):
    return {
        name
        for name, cls in MODELS.module_dict.items()
        if cls.__module__.startswith(f'mmseg_ext.models.{subpackage}')
    }


def _types_in(cfg):
    found = set()
    if isinstance(cfg, dict):
        if isinstance(cfg.get('type'), str):
            found.add(cfg['type'])
        for v in cfg.values():
            found |= _types_in(v)
    elif isinstance(cfg, (list, tuple)):
        for v in cfg:
            found |= _types_in(v)
    return found


def test_every_head_and_neck_has_a_case():
    covered = set()
    for case in HEAD_CASES:
        inst = case()
        channels = base.backbone_channels('resnetv1c')
        covered |= _types_in(inst.head_cfg(channels, inst.num_classes))
        covered |= _types_in(inst.extra_model_cfg(channels))
        # modules the segmentor builds itself (e.g. EdgeFeatureFusion)
        covered |= {type(m).__name__ for m in _model(case)[1].modules()}
    missing = (_package_types('decode_heads')
               | _package_types('necks')) - covered
    assert not missing, f'no property/shape case for {sorted(missing)}'


@pytest.mark.parametrize('case', HEAD_CASES, ids=lambda c: c.__name__)
@SETTINGS
@given(
    h=st.integers(33, 300),
    w=st.integers(33, 300),
    batch=st.integers(1, 3),
    bf16=st.booleans(),
    ignore=st.floats(0.0, 0.9))
def test_heads_random_sizes(case, h, w, batch, bf16, ignore):
    inst, model = _model(case)
    inputs, samples = inst.make_batch(batch, (h, w))
    for s in samples:  # re-draw the ignore share
        lab = s.gt_sem_seg.data
        lab[torch.rand(lab.shape) < ignore] = 255
    model.train()
    model.zero_grad()
    with torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16):
        losses = model.loss(inputs, samples)
        total = base.loss_total(losses)
    assert torch.isfinite(total.float()), {k: v for k, v in losses.items()}
    total.backward()
    for name, p in model.named_parameters():
        if p.grad is not None:
            assert torch.isfinite(p.grad).all(), name
    model.eval()
    with torch.no_grad(), torch.autocast(
            'cpu', dtype=torch.bfloat16, enabled=bf16):
        out = model.predict(inputs[:1], samples[:1])[0]
    assert out.seg_logits.data.shape == (inst.num_classes, h, w)
    assert torch.isfinite(out.seg_logits.data.float()).all()


def _loss_inputs(name, n, c, h, w, ignore, g):
    logits = torch.randn(n, c, h, w, generator=g, requires_grad=True)
    label = torch.randint(0, c, (n, h, w), generator=g)
    label[torch.rand(n, h, w, generator=g) < ignore] = 255
    edge = torch.randn(n, 1, h, w, generator=g, requires_grad=True)
    edge_gt = torch.randint(0, 2, (n, 1, h, w), generator=g)
    edge_gt[label[:, None] == 255] = 255
    adapters = {
        'BoundaryBCELoss': ((edge, edge_gt), [edge]),
        'EdgeAttentionLoss': ((logits, label, edge), [logits]),
        'DualTaskLoss': ((logits, label), [logits]),
        # the three terms together, as the segmentor applies them
        'ShapeStreamLoss': ((logits, edge, label, edge_gt), [logits, edge]),
    }
    if name not in adapters:
        pytest.fail(f'no property case for the loss {name}: add one')
    return adapters[name]


@pytest.mark.parametrize('name', sorted(_package_types('losses')))
@SETTINGS
@given(
    h=st.integers(33, 300),
    w=st.integers(33, 300),
    n=st.integers(1, 3),
    c=st.integers(2, 25),
    bf16=st.booleans(),
    ignore=st.sampled_from([0.0, 0.3, 1.0]))
def test_losses_random_inputs(name, h, w, n, c, bf16, ignore):
    g = torch.Generator().manual_seed(h * 1000 + w)
    args, leaves = _loss_inputs(name, n, c, h, w, ignore, g)
    loss_fn = MODELS.build(dict(type=name))
    with torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16):
        loss = loss_fn(*args)
    if isinstance(loss, dict):  # ShapeStreamLoss: a term per loss_name
        assert loss and all(v.dim() == 0 for v in loss.values())
        loss = sum(loss.values())
    assert loss.dim() == 0 and torch.isfinite(loss.float())
    loss.backward()
    for leaf in leaves:
        assert leaf.grad is None or torch.isfinite(leaf.grad).all()


METRIC_NAMES = sorted(n for n, cls in METRICS.module_dict.items()
                      if cls.__module__.startswith('mmseg_ext.'))


@pytest.mark.parametrize('name', METRIC_NAMES)
@SETTINGS
@given(
    h=st.integers(33, 300),
    w=st.integers(33, 300),
    n=st.integers(1, 3),
    ignore=st.sampled_from([0.0, 0.3, 1.0]),
    seed=st.integers(0, 1000))
def test_metrics_random_maps(name, h, w, n, ignore, seed):
    rng = np.random.default_rng(seed)
    metric = METRICS.build(dict(type=name))
    metric.dataset_meta = dict(classes=[f'c{i}' for i in range(5)])
    samples = []
    for _ in range(n):
        # Blocky maps: boundaries of realistic length.
        gt = np.kron(
            rng.integers(0, 5, (h // 8 + 1, w // 8 + 1)),
            np.ones((8, 8), np.int64))[:h, :w]
        pred = np.where(
            rng.random((h, w)) < 0.1, rng.integers(0, 5, (h, w)), gt)
        gt = np.where(rng.random((h, w)) < ignore, 255, gt)
        samples.append(
            dict(
                pred_sem_seg=dict(data=torch.from_numpy(pred)[None]),
                gt_sem_seg=dict(data=torch.from_numpy(gt)[None])))
    metric.process([], samples)
    results = metric.compute_metrics(metric.results)
    assert results
    for key, value in results.items():
        value = np.asarray(value, dtype=float)
        assert np.isfinite(value).all(), (key, value)
        assert ((value >= 0) & (value <= 100)).all(), (key, value)
