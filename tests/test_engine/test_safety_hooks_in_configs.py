# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Every training config of the package runs with the safety hooks:
atomic checkpoints, the model/data check, the non-finite-loss guard and
the per-iteration seed (inherited from configs/_base_)."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

from ..tiny_runs import REPO_ROOT

pytestmark = pytest.mark.slow  # ~40 configs, 1-2 s each to resolve

# mmseg's own UPerNet, kept unchanged as the memory baseline of RefineNet.
STOCK_BASELINES = {'upernet-c256_r101_4xb2-80k_cityscapes-512x1024.py'}
SAFETY_HOOKS = {'ModelDataCheckHook', 'NonFiniteLossHook', 'IterationSeedHook'}


def _training_configs():
    paths = sorted(
        glob.glob(
            osp.join(REPO_ROOT, 'configs', '**', '*.py'), recursive=True))
    for path in paths:
        rel = osp.relpath(path, osp.join(REPO_ROOT, 'configs'))
        if rel.startswith('_base_') or osp.basename(path) in STOCK_BASELINES:
            continue
        yield rel


@pytest.mark.parametrize('rel', list(_training_configs()))
def test_training_config_has_safety_hooks(rel):
    cfg = Config.fromfile(osp.join(REPO_ROOT, 'configs', rel))
    if not cfg.get('train_cfg'):
        pytest.skip('evaluation-only config')
    hooks = {h['type'] for h in cfg.get('custom_hooks', [])}
    assert SAFETY_HOOKS <= hooks, f'{rel}: missing {SAFETY_HOOKS - hooks}'
    assert cfg.default_hooks.checkpoint.type == 'AtomicCheckpointHook', rel
