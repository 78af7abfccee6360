# Copyright (c) mmseg_ext contributors. All rights reserved.
"""fp16 mixed precision as GPU users run it: mmengine's ``AmpOptimWrapper``.

Every head family trains a few steps of its CamVid config (128x128 crops,
batch 2) under fp16 autocast with dynamic loss scaling; the losses and
parameters stay finite and the steps update the model. A loss-scale
overflow skips the step: parameters unchanged, the scale halved.

mmengine's wrapper refuses CPUs (it asserts a GPU, and its autocast allows
only bf16 there), while torch 2.13 autocasts fp16 on CPU and has a CPU
``GradScaler``. :func:`CpuFp16AmpOptimWrapper` is the wrapper with those
two CPU parts swapped in; its ``backward``/``step``/``update_params`` (loss
scaling, unscaling, skipping) are mmengine's own, and ``train_step`` is
mmseg's. On CUDA the gpu-marked test runs the unmodified wrapper.
"""
import pytest
import torch
from mmengine.optim import AmpOptimWrapper

from ..tiny_runs import load_script
from .test_host_syncs import FAMILIES, build_model, make_data

SIZE = (128, 128)


def CpuFp16AmpOptimWrapper(optimizer, init_scale: float = 2.**16):
    """mmengine's ``AmpOptimWrapper`` with torch's CPU ``GradScaler`` and
    CPU fp16 autocast (``tools/gpu_check/gpu_check.py``)."""
    tool = load_script('tools', 'gpu_check', 'gpu_check.py')
    return tool.CpuAmpOptimWrapper(optimizer, torch.float16, init_scale)


needs_cpu_fp16 = pytest.mark.skipif(
    not load_script('tools', 'gpu_check', 'gpu_check.py').cpu_fp16_available(),
    reason='this torch has no fp16 autocast on CPU (run the gpu test)')


def _params(model):
    return {n: p.detach().clone() for n, p in model.named_parameters()}


def _train(model, wrapper, steps: int) -> list:
    scales, losses = [], []
    for step in range(steps):
        log_vars = model.train_step(make_data(seed=step, size=SIZE), wrapper)
        losses.append(log_vars['loss'])
        scales.append(wrapper.loss_scaler.get_scale())
    return losses, scales


def _check_trains(model, wrapper, steps=3):
    before = _params(model)
    losses, scales = _train(model, wrapper, steps)
    assert all(torch.isfinite(loss) for loss in losses), losses
    after = _params(model)
    assert all(torch.isfinite(p).all() for p in after.values())
    changed = [n for n in before if not torch.equal(before[n], after[n])]
    assert changed, f'no step was applied (loss scales {scales})'


@needs_cpu_fp16
@pytest.mark.parametrize('family', sorted(FAMILIES))
def test_fp16_amp_trains_every_head_family(family):
    torch.manual_seed(0)
    model = build_model(FAMILIES[family], size=SIZE)
    wrapper = CpuFp16AmpOptimWrapper(
        torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9),
        init_scale=2.**10)
    _check_trains(model, wrapper)


@needs_cpu_fp16
def test_scaler_overflow_skips_the_step():
    torch.manual_seed(0)
    model = build_model(FAMILIES['GSCNNHead'], size=SIZE)
    # a scale no fp16 gradient survives: every gradient overflows
    wrapper = CpuFp16AmpOptimWrapper(
        torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9),
        init_scale=2.**60)
    before = _params(model)
    model.train_step(make_data(size=SIZE), wrapper)
    assert wrapper.loss_scaler.get_scale() == 2.**59
    after = _params(model)
    assert all(torch.equal(before[n], after[n]) for n in before)
    assert not wrapper.optimizer.state  # no momentum from the skipped step


@pytest.mark.gpu
@pytest.mark.parametrize('family', sorted(FAMILIES))
def test_fp16_amp_trains_every_head_family_cuda(family):
    torch.manual_seed(0)
    model = build_model(FAMILIES[family], 'cuda', size=SIZE)
    wrapper = AmpOptimWrapper(
        optimizer=torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9),
        dtype='float16',
        loss_scale=dict(init_scale=2.**10))
    _check_trains(model, wrapper)
