# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Shared steps of ``tools/train.py`` and ``tools/test.py``: the config as
the command line changes it, ``--resume``, ``--out``, ``--show-dir`` and
the summary of a finished run. A sibling module of the two scripts (their
folder is on ``sys.path``); the library never imports it."""
import argparse
import os.path as osp
from typing import Optional

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

from mmseg_ext.engine import find_latest_complete_checkpoint
from cpu_distributed import setup_cpu_distributed


def parse_cfg_options(parser: argparse.ArgumentParser) -> None:
    """Add mmseg's ``--cfg-options`` argument to ``parser``."""
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override some settings in the used config, the key-value pair '
        'in xxx=yyy format will be merged into config file. If the value to '
        'be overwritten is a list, it should be like key="[a,b]" or key=a,b '
        'It also allows nested list/tuple values, e.g. key="[(a,b),(c,d)]" '
        'Note that the quotation marks are necessary and that no white space '
        'is allowed.')


def load_run_config(config: str,
                    cfg_options: Optional[dict] = None,
                    launcher: str = 'none',
                    work_dir: Optional[str] = None) -> Config:
    """Read a config and apply the command line, as mmseg's tools do.

    ``work_dir`` priority: CLI > config > ``./work_dirs/<config name>``. With
    a launcher on a machine without CUDA, the gloo process group is created
    and the config adapted (see :func:`setup_cpu_distributed`).
    """
    if not osp.isfile(config):
        raise SystemExit(f'config file {config!r} does not exist')
    cfg = Config.fromfile(config)
    cfg.launcher = launcher
    if cfg_options is not None:
        cfg.merge_from_dict(cfg_options)
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(config))[0])
    setup_cpu_distributed(cfg)
    return cfg


def resolve_resume(cfg: Config) -> None:
    """``--resume``: continue from the newest *complete* checkpoint.

    mmengine trusts ``work_dir/last_checkpoint``; a run killed while saving
    (without :class:`AtomicCheckpointHook`) can leave it empty or pointing at
    a truncated file. This picks the newest checkpoint that passes an
    integrity check instead, and leaves an explicit ``load_from`` alone.
    """
    cfg.resume = True
    if cfg.get('load_from'):
        return
    latest = find_latest_complete_checkpoint(cfg.work_dir)
    if latest is not None:
        cfg.load_from = latest


def set_iou_output_dir(cfg: Config, out_dir: str) -> None:
    """``--out``: ``IoUMetric`` writes the prediction maps to ``out_dir``.

    ``test_evaluator`` may be one metric or a list (e.g. ``IoUMetric`` with
    ``BoundaryFScore``); mmseg's ``tools/test.py`` assumes one. Every
    ``IoUMetric`` of the list gets the folder; without one, it is an error.
    """
    evaluators = cfg.test_evaluator
    if not isinstance(evaluators, (list, tuple)):
        evaluators = [evaluators]
    found = False
    for evaluator in evaluators:
        if evaluator.get('type') in ('IoUMetric', 'mmseg.IoUMetric'):
            evaluator['output_dir'] = out_dir
            evaluator['keep_results'] = True
            found = True
    if not found:
        types = [e.get('type') for e in evaluators]
        raise SystemExit('--out needs an IoUMetric in test_evaluator (it '
                         f'writes the maps); the config has {types}.')


def enable_visualization(cfg: Config,
                         show: bool = False,
                         show_dir: Optional[str] = None,
                         wait_time: float = 2) -> None:
    """Draw every test image (mmseg's default interval of 50 skips most).

    mmseg's ``SegLocalVisualizer`` is swapped for
    :class:`~mmseg_ext.visualization.SideBySideSegVisualizer` (image | ground
    truth | prediction [| predicted edges]); another visualizer type in the
    config is kept.
    """
    hooks = cfg.default_hooks
    if 'visualization' not in hooks:
        raise SystemExit('--show/--show-dir need `visualization=dict(type='
                         "'SegVisualizationHook')` in `default_hooks`.")
    vis = hooks['visualization']
    vis['draw'] = True
    vis['interval'] = 1
    if show:
        vis['show'] = True
        vis['wait_time'] = wait_time
    if show_dir:
        cfg.visualizer['save_dir'] = show_dir
    if cfg.visualizer.get('type') in ('SegLocalVisualizer',
                                      'mmseg.SegLocalVisualizer'):
        cfg.visualizer['type'] = 'SideBySideSegVisualizer'


def finish_message(runner: Runner) -> str:
    """Summarise a finished training run: metrics, checkpoints, pictures."""
    hub = runner.message_hub
    lines = ['', '[mmseg_ext] training finished']
    scalars = {
        k[len('val/'):]: v.current()
        for k, v in hub.log_scalars.items()
        if k.startswith('val/') and not k.endswith(('time', 'data_time'))
    }
    if scalars:
        shown = ', '.join(f'{k}: {v:.2f}' for k, v in sorted(scalars.items()))
        lines.append(f'  last validation: {shown}')
    best = hub.get_info('best_score')
    if best is not None:
        lines.append(f'  best score: {float(best):.2f} '
                     f'({hub.get_info("best_ckpt")})')
    last = osp.join(runner.work_dir, 'last_checkpoint')
    if osp.isfile(last):
        with open(last) as f:
            lines.append(f'  last checkpoint: {f.read().strip()}')
    vis_dir = osp.join(runner.log_dir, 'vis_data', 'vis_image')
    if osp.isdir(vis_dir):
        lines.append(f'  validation pictures: {vis_dir}')
    lines.append(f'  logs: {runner.log_dir}')
    message = '\n'.join(lines)
    runner.logger.info(message)
    return message
