# Copyright (c) mmseg_ext contributors. All rights reserved.
"""`tools/dist_train.sh CONFIG 2` on a machine without CUDA: 2 processes,
gloo, PyTorch DDP. DDP averages gradients over processes, so 2 processes x
batch 2 must give the same weights as 1 process x batch 4 (the same samples:
the sampler shards one permutation), which is also what NCCL on GPUs gives.
"""
import os.path as osp

import pytest
import torch

from ..tiny_runs import REPO_ROOT, run_tool, write_tiny_config

pytestmark = pytest.mark.slow

# Batch-independent model (GroupNorm, no dropout, no aux head) and a
# deterministic pipeline, so both runs see and compute the same thing.
EXTRA = """
norm_cfg = dict(type='GN', num_groups=4, requires_grad=True)
model = dict(
    backbone=dict(norm_cfg=norm_cfg),
    decode_head=dict(norm_cfg=norm_cfg, dropout_ratio=0.0),
    auxiliary_head=None)
# (mutate the tiny config's dataloader; re-assigning it would replace it)
train_dataloader['dataset']['pipeline'] = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='Resize', scale=(64, 32), keep_ratio=False),
    dict(type='PackSegInputs'),
]
train_dataloader['sampler'] = dict(type='InfiniteSampler', shuffle=True,
                                   seed=7)
optim_wrapper = dict(
    _delete_=True, type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.05, momentum=0.9))
randomness = dict(seed=0)
"""


def _state(path):
    return torch.load(
        path, map_location='cpu', weights_only=False)['state_dict']


def test_two_process_gloo_equals_single_process(tmp_path):
    cfg = write_tiny_config(
        str(tmp_path / 'ddp.py'),
        str(tmp_path / 'data'),
        max_iters=4,
        extra=EXTRA)
    single = str(tmp_path / 'single')
    run_tool([
        'tools/train.py', cfg, '--work-dir', single, '--cfg-options',
        'train_dataloader.batch_size=4'
    ])
    ddp = str(tmp_path / 'ddp')
    proc = run_tool([
        osp.join(REPO_ROOT, 'tools', 'dist_train.sh'), cfg, '2', '--work-dir',
        ddp
    ],
                    env={'PORT': '29631'})
    log = proc.stdout + proc.stderr
    assert "'backend': 'gloo'" in log or "backend='gloo'" in log
    a, b = _state(osp.join(single,
                           'iter_4.pth')), _state(osp.join(ddp, 'iter_4.pth'))
    assert a.keys() == b.keys()
    for key in a:
        torch.testing.assert_close(
            b[key], a[key], rtol=1e-4, atol=1e-6, msg=f'{key} differs')
    # ... and training did move the weights between the two checkpoints.
    early = _state(osp.join(ddp, 'iter_2.pth'))
    assert any(not torch.equal(early[k], b[k]) for k in b)
