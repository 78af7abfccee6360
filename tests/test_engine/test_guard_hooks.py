# Copyright (c) mmseg_ext contributors. All rights reserved.
"""NonFiniteLossHook and ModelDataCheckHook inside a real Runner."""
import copy

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from mmseg_ext.engine import ConfigMismatchError, NonFiniteLossError
from ..tiny_runs import write_tiny_config


@pytest.fixture(scope='module')
def tiny_cfg(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('guard')
    path = write_tiny_config(
        str(tmp / 'tiny.py'), str(tmp / 'data'), max_iters=4)
    cfg = Config.fromfile(path)
    cfg.work_dir = str(tmp / 'work')
    return cfg


def _runner(cfg, name):
    cfg = copy.deepcopy(cfg)
    cfg.work_dir = cfg.work_dir + '_' + name
    cfg.experiment_name = name
    return Runner.from_cfg(cfg)


def _weights(runner):
    return {k: v.clone() for k, v in runner.model.state_dict().items()}


@pytest.mark.parametrize('action', ['stop', 'skip'])
def test_non_finite_loss(tiny_cfg, action):
    cfg = copy.deepcopy(tiny_cfg)
    cfg.model.decode_head.loss_decode.loss_weight = float('nan')
    cfg.custom_hooks = [
        h for h in cfg.custom_hooks if h['type'] != 'NonFiniteLossHook'
    ] + [dict(type='NonFiniteLossHook', action=action, max_skips=2)]
    runner = _runner(cfg, f'nan_{action}')
    runner.model.init_weights()
    before = _weights(runner)
    runner._init_model_weights = lambda: None  # keep `before` valid
    with pytest.raises(NonFiniteLossError) as err:
        runner.train()
    msg = str(err.value)
    assert 'decode.loss_ce=nan' in msg
    assert ('iteration 1' in msg) if action == 'stop' else (
        'iteration 3' in msg and 'More than 2' in msg)
    assert '_leftImg8bit.png' in msg
    after = _weights(runner)
    for k, v in before.items():
        if v.dtype.is_floating_point and 'running' not in k:
            assert torch.equal(v, after[k]), f'{k} was updated'


def test_head_channel_mismatch_is_named(tiny_cfg):
    cfg = copy.deepcopy(tiny_cfg)
    cfg.model.decode_head.in_channels = 300
    runner = _runner(cfg, 'channels')
    with pytest.raises(ConfigMismatchError) as err:
        runner.train()
    msg = str(err.value)
    assert 'decode_head (FCNHead)' in msg
    assert 'in_channels=300' in msg and '[256]' in msg


def test_num_classes_mismatch_is_named(tiny_cfg):
    cfg = copy.deepcopy(tiny_cfg)
    cfg.model.decode_head.num_classes = 7
    runner = _runner(cfg, 'classes')
    with pytest.raises(ConfigMismatchError) as err:
        runner.train()
    msg = str(err.value)
    assert 'num_classes=7' in msg and '19 classes' in msg
