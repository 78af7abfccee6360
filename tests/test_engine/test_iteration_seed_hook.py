# Copyright (c) mmseg_ext contributors. All rights reserved.
"""IterationSeedHook: model-side randomness is a function of (seed,
iteration, rank), whatever ran before."""
import random
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from mmseg_ext.engine import IterationSeedHook
from mmseg_ext.engine.hooks import iteration_seed_hook


def _draws(hook, seed=0, it=0, rank=0, monkeypatch=None):
    monkeypatch.setattr(iteration_seed_hook, 'get_rank', lambda: rank)
    # scramble the RNGs first: the hook must reset them, not continue them
    torch.rand(7), np.random.rand(3), random.random()
    hook.before_train_iter(SimpleNamespace(seed=seed, iter=it), 0)
    return (tuple(torch.rand(4).tolist()), tuple(np.random.rand(4)),
            random.random())


def test_same_seed_iteration_rank_same_draws(monkeypatch):
    hook = IterationSeedHook()
    first = _draws(hook, 3, 10, 1, monkeypatch)
    torch.rand(100)  # whatever happened in between (a resume, other iters)
    assert _draws(hook, 3, 10, 1, monkeypatch) == first


@pytest.mark.parametrize('changed', ['iter', 'rank', 'seed'])
def test_each_of_seed_iteration_rank_changes_the_draws(monkeypatch, changed):
    hook = IterationSeedHook()
    base = dict(seed=3, it=10, rank=1)
    other = dict(base)
    key = 'it' if changed == 'iter' else changed
    other[key] += 1
    a = _draws(hook, monkeypatch=monkeypatch, **base)
    b = _draws(hook, monkeypatch=monkeypatch, **other)
    for rng_a, rng_b in zip(a, b):  # torch, numpy and random alike
        assert rng_a != rng_b, changed


def test_iterations_of_a_run_all_differ(monkeypatch):
    hook = IterationSeedHook()
    draws = {_draws(hook, 0, it, 0, monkeypatch)[0] for it in range(50)}
    assert len(draws) == 50


def test_explicit_seed_overrides_the_runner_seed(monkeypatch):
    fixed = IterationSeedHook(seed=5)
    assert _draws(fixed, 1, 4, 0,
                  monkeypatch) == _draws(fixed, 2, 4, 0, monkeypatch)
    assert _draws(fixed, 1, 4, 0,
                  monkeypatch) == _draws(IterationSeedHook(), 5, 4, 0,
                                         monkeypatch)
