# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Helpers for tests that run the training/test tools end to end."""
import importlib.util
import os
import os.path as osp
import subprocess
import sys
from types import ModuleType
from typing import List, Optional

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
DEMO_CONFIG = osp.join(REPO_ROOT, 'configs', 'demo',
                       'fcn_r18-c32-d16_1xb4-1k_demo-cityscapes-256x512.py')
STOCK_TOOLS = None


def stock_tool(name: str) -> str:
    """Path of mmseg's own ``tools/<name>`` shipped in the installed wheel."""
    import mmseg
    path = osp.join(osp.dirname(mmseg.__file__), '.mim', 'tools', name)
    assert osp.isfile(path), path
    return path


def _on_sys_path(folder: str) -> None:
    if folder not in sys.path:
        sys.path.insert(0, folder)


def load_script(*parts: str) -> ModuleType:
    """Import a script of the repository (e.g. ``'tools', 'analysis',
    'plot_curves.py'``) as a module, without running its ``main``.

    Its folder goes on ``sys.path`` as when Python runs the script, so its
    sibling modules (``tools/analysis/benchmarking``) import."""
    path = osp.join(REPO_ROOT, *parts)
    _on_sys_path(osp.dirname(path))
    name = osp.splitext(parts[-1])[0]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def tool_module(folder: str, name: str) -> ModuleType:
    """Import module ``name`` shared by the scripts of ``tools/<folder>/``
    (e.g. ``tool_module('analysis', 'benchmarking.run_results')``), the way
    those scripts import it: their folder on ``sys.path``."""
    _on_sys_path(osp.join(REPO_ROOT, 'tools', folder))
    return importlib.import_module(name)


TINY_DEMO = dict(seed=3, num_train=8, num_val=4, size=(64, 128))


def write_tiny_config(path: str,
                      data_root: str,
                      base: str = DEMO_CONFIG,
                      max_iters: int = 4,
                      extra: str = '') -> str:
    """A config inheriting ``base`` that trains a few iterations on a tiny
    demo dataset, validates and checkpoints at ``max_iters // 2``."""
    half = max(1, max_iters // 2)
    text = f"""
_base_ = [{base!r}]
demo_cfg = {TINY_DEMO!r}
crop_size = (64, 64)
model = dict(data_preprocessor=dict(size=crop_size))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='CheckSegMap', num_classes=19),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='CheckSegMap', num_classes=19),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    batch_size=2, num_workers=0, persistent_workers=False,
    dataset=dict(data_root={data_root!r}, demo_cfg=demo_cfg,
                 pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=0, persistent_workers=False,
    dataset=dict(data_root={data_root!r}, demo_cfg=demo_cfg,
                 pipeline=test_pipeline))
test_dataloader = val_dataloader
train_cfg = dict(max_iters={max_iters}, val_interval={half})
param_scheduler = [dict(type='PolyLR', power=0.9, begin=0,
                        end={max_iters}, by_epoch=False)]
default_hooks = dict(
    logger=dict(interval=1),
    checkpoint=dict(interval={half}, max_keep_ckpts=3, save_best=None),
    visualization=dict(draw=False))
{extra}
"""
    with open(path, 'w') as f:
        f.write(text)
    return path


def run_tool(args: List[str],
             cwd: Optional[str] = None,
             env: Optional[dict] = None,
             timeout: int = 600) -> subprocess.CompletedProcess:
    """Run ``python ARGS`` (or a shell script) and fail with its output."""
    full_env = dict(os.environ)
    full_env['PYTHONPATH'] = REPO_ROOT + os.pathsep + full_env.get(
        'PYTHONPATH', '')
    full_env.setdefault('OMP_NUM_THREADS', '1')
    # Shell launchers (dist_train.sh) must use this interpreter, whatever
    # `python` is on PATH (e.g. `make test` does not activate the venv).
    full_env['PYTHON'] = sys.executable
    full_env.update(env or {})
    cmd = args if args[0].endswith('.sh') else [sys.executable] + args
    proc = subprocess.run(
        cmd,
        cwd=cwd or REPO_ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError(f'{" ".join(cmd)} failed ({proc.returncode}):\n'
                             f'{proc.stdout[-4000:]}\n{proc.stderr[-6000:]}')
    return proc
