# Copyright (c) mmseg_ext contributors. All rights reserved.
"""tools/cpu_distributed.py, the CPU-distributed helpers of tools/train.py
and tools/test.py: config adaptation and a clean shutdown."""
import torch.distributed as dist
from mmengine.config import Config

from ..tiny_runs import load_script

_tool = load_script('tools', 'cpu_distributed.py')
close_distributed, setup_cpu_distributed, sync_bn_to_bn = (
    _tool.close_distributed, _tool.setup_cpu_distributed, _tool.sync_bn_to_bn)


def test_sync_bn_to_bn_reaches_nested_configs():
    cfg = dict(
        backbone=dict(norm_cfg=dict(type='SyncBN', requires_grad=True)),
        heads=[
            dict(norm_cfg=dict(type='MMSyncBN')),
            dict(norm_cfg=dict(type='GN', num_groups=4))
        ])
    out = sync_bn_to_bn(cfg)
    assert out['backbone']['norm_cfg'] == dict(type='BN', requires_grad=True)
    assert out['heads'][0]['norm_cfg']['type'] == 'BN'
    assert out['heads'][1]['norm_cfg']['type'] == 'GN'
    assert cfg['backbone']['norm_cfg']['type'] == 'SyncBN'  # not mutated


def test_no_launcher_leaves_the_config_alone():
    cfg = Config(dict(launcher='none', model=dict(type='X')))
    assert setup_cpu_distributed(cfg) is False
    assert 'model_wrapper_cfg' not in cfg


def test_close_distributed_destroys_the_group(tmp_path):
    assert close_distributed() is False  # nothing open: nothing to do
    dist.init_process_group(
        backend='gloo',
        init_method=f'file://{tmp_path / "store"}',
        rank=0,
        world_size=1)
    try:
        assert dist.is_initialized()
        assert close_distributed() is True
        assert not dist.is_initialized()
        assert close_distributed() is False
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()
