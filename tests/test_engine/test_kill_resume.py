# Copyright (c) mmseg_ext contributors. All rights reserved.
"""SIGKILL a CPU training run after a checkpoint, ``--resume`` it, and get
bit-identical weights, optimizer and scheduler state compared with an
uninterrupted run of the same seed."""
import os
import os.path as osp
import signal
import subprocess
import sys
import time

import pytest
import torch

from ..tiny_runs import REPO_ROOT, run_tool, write_tiny_config

pytestmark = pytest.mark.slow

EXTRA = """
randomness = dict(seed=0, deterministic=True)
train_dataloader['num_workers'] = 1   # pipeline RNG lives in the worker
default_hooks['checkpoint']['interval'] = 3
"""


def _load(path):
    return torch.load(path, map_location='cpu', weights_only=False)


def _read(path):
    if not osp.exists(path):
        return ''
    with open(path) as f:
        return f.read().strip()


def test_killed_and_resumed_equals_uninterrupted(tmp_path):
    cfg = write_tiny_config(
        str(tmp_path / 'cfg.py'),
        str(tmp_path / 'data'),
        max_iters=9,
        extra=EXTRA)
    straight = str(tmp_path / 'straight')
    run_tool(['tools/train.py', cfg, '--work-dir', straight])

    killed = str(tmp_path / 'killed')
    env = dict(os.environ, PYTHONPATH=REPO_ROOT, OMP_NUM_THREADS='1')
    # Same schedule (the LR schedule ends at iter 9 in the config), but
    # the loop would go on: it only stops because it is killed.
    proc = subprocess.Popen([
        sys.executable, 'tools/train.py', cfg, '--work-dir', killed,
        '--cfg-options', 'train_cfg.max_iters=1000'
    ],
                            cwd=REPO_ROOT,
                            env=env,
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    pointer = osp.join(killed, 'last_checkpoint')
    deadline = time.time() + 400
    # mmengine writes the pointer in place after the checkpoint is
    # complete: wait until it names a file, not just until it exists.
    while not _read(pointer) and proc.poll() is None:
        assert time.time() < deadline, 'no checkpoint written in time'
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    resumed_from = _read(pointer)
    assert resumed_from.endswith(('iter_3.pth', 'iter_6.pth'))

    run_tool(['tools/train.py', cfg, '--work-dir', killed, '--resume'])
    a = _load(osp.join(straight, 'iter_9.pth'))
    b = _load(osp.join(killed, 'iter_9.pth'))
    assert b['meta']['iter'] == a['meta']['iter'] == 9
    for key, value in a['state_dict'].items():
        assert torch.equal(value, b['state_dict'][key]), key
    for pid, state in a['optimizer']['state'].items():
        for name, value in state.items():
            other = b['optimizer']['state'][pid][name]
            assert torch.equal(torch.as_tensor(value),
                               torch.as_tensor(other)), (pid, name)
    assert a['param_schedulers'] == b['param_schedulers']
