# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Atomic checkpoint writes and resuming from the newest complete one."""
import os
import os.path as osp
import signal
import subprocess
import sys
import textwrap
import time

import torch

from mmseg_ext.engine import (atomic_write, find_latest_complete_checkpoint,
                              is_complete_checkpoint)
from ..tiny_runs import REPO_ROOT


def _save(path, value=1.0, n=1000):
    torch.save({'state_dict': {'w': torch.full((n, ), value)}}, path)


def _truncate(path, keep=0.5):
    size = osp.getsize(path)
    with open(path, 'r+b') as f:
        f.truncate(int(size * keep))


def test_integrity_check(tmp_path):
    good, cut = str(tmp_path / 'iter_2.pth'), str(tmp_path / 'iter_4.pth')
    _save(good)
    _save(cut)
    _truncate(cut)
    assert is_complete_checkpoint(good)
    assert not is_complete_checkpoint(cut)
    assert not is_complete_checkpoint(str(tmp_path / 'missing.pth'))
    empty = tmp_path / 'iter_6.pth'
    empty.write_bytes(b'')
    assert not is_complete_checkpoint(str(empty))


def test_resume_skips_truncated_newest(tmp_path):
    work = str(tmp_path)
    for step in (2, 4, 6):
        _save(osp.join(work, f'iter_{step}.pth'), step)
    _truncate(osp.join(work, 'iter_6.pth'))
    with open(osp.join(work, 'last_checkpoint'), 'w') as f:
        f.write(osp.join(work, 'iter_6.pth'))
    assert find_latest_complete_checkpoint(work) == osp.join(
        work, 'iter_4.pth')
    # An empty pointer (killed while writing it) falls back to a scan.
    open(osp.join(work, 'last_checkpoint'), 'w').close()
    assert find_latest_complete_checkpoint(work) == osp.join(
        work, 'iter_4.pth')
    assert find_latest_complete_checkpoint(str(tmp_path / 'none')) is None


def test_kill_during_atomic_write_never_truncates(tmp_path):
    """SIGKILL a process that keeps overwriting one file: the file is
    always one complete version, never a mix or a prefix."""
    target = str(tmp_path / 'ckpt.bin')
    a, b = b'A' * (8 << 20), b'B' * (8 << 20)
    atomic_write(a, target)
    code = textwrap.dedent(f"""
        from mmseg_ext.engine.checkpoint_files import atomic_write
        print('ready', flush=True)
        i = 0
        while True:
            atomic_write(b'B' * {len(b)} if i % 2 else b'A' * {len(a)},
                         {target!r})
            i += 1
    """)
    for delay in (0.3, 0.55, 0.8):
        proc = subprocess.Popen([sys.executable, '-c', code],
                                stdout=subprocess.PIPE,
                                env=dict(os.environ, PYTHONPATH=REPO_ROOT))
        proc.stdout.readline()
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        with open(target, 'rb') as f:
            data = f.read()
        assert data in (a, b), f'torn file of {len(data)} bytes'
    leftovers = [n for n in os.listdir(tmp_path) if n.endswith('.tmp')]
    # A kill can leave a temp file behind, never a torn target.
    assert all(n.startswith('.ckpt.bin.') for n in leftovers)
