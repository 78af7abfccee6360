# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Train and test every CamVid model the same way and write the result
tables, a figure of test predictions and the training curves.

Each run (config and seed) trains with ``tools/train.py`` into
``WORK_ROOT/<config name>[_seed<N>]``; its checkpoint is picked on ``val``
(best mIoU, mmengine's ``best_mIoU_iter_*.pth``) and tested on all of
``test``, whole frames, single scale, with the config's own test evaluator
whose ``IoUMetric`` is swapped for :class:`PerClassIoUMetric`. What
produced docs/camvid_results.md::

    python tools/analysis/camvid_results.py --train \\
        --markdown work_dirs/camvid/results.md \\
        --json work_dirs/camvid/results.json \\
        --figure docs/figures/camvid_test_predictions.jpg \\
        --curves docs/figures/camvid_curves.png

Without ``--train`` only runs that already validated are tested, the others
are listed as not trained. ``--runs`` picks rows by config key and seed
(``gscnn:1``).
"""
import argparse
import copy
import datetime
import glob
import json
import os.path as osp
import re
import statistics
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

import numpy as np
from mmengine.config import Config
from mmseg.evaluation import IoUMetric
from mmseg.registry import METRICS

import mmseg_ext  # noqa: F401  (registration and stack fixes)
from benchmarking.run_results import (Run, cell, draw_predictions,
                                      evaluate_cached, markdown_table,
                                      read_scalars, train_run,
                                      train_seconds_per_iter)

CONFIG_DIR = osp.join('configs', 'camvid')
CONFIG_PATTERN = '{}_r18-c32-d16_1xb4-1500it_camvid-256x256.py'
#: Boundary keys in the order of the tables.
BF_TOLERANCES = (1, 2, 3, 5)
GSCNN_BF_KEYS = [f'gscnn/BF@{t}px' for t in BF_TOLERANCES]
POOLED_BF_KEYS = [f'BF@{t}px' for t in BF_TOLERANCES]
#: Published test mIoU on the same split (SegNet's 11 classes, 360x480).
PUBLISHED = [
    ('ENet (Paszke et al. 2016)', 'none', 51.3),
    ('FC-DenseNet56 (Jégou et al. 2017)', 'none', 58.9),
    ('FC-DenseNet103 (Jégou et al. 2017)', 'none', 66.9),
    ('SegNet (Badrinarayanan et al. 2017)', 'ImageNet (VGG16)', 60.1),
]


class CamVidRun(NamedTuple):
    """One row: display name, config path and training seed."""
    name: str
    config: str
    seed: int = 0

    @property
    def config_name(self) -> str:
        return osp.splitext(osp.basename(self.config))[0]

    @property
    def work_dir_name(self) -> str:
        """The config's name, ``_seed<N>`` appended for seeds other than 0
        (seed 0 is the configs' own ``randomness.seed``)."""
        suffix = f'_seed{self.seed}' if self.seed else ''
        return self.config_name + suffix


def default_runs(repo_root: str) -> List[CamVidRun]:
    """The runs of docs/camvid_results.md: every head, two seeds for
    Gated-SCNN and for DeepLabV3+ (the seed noise)."""
    rows = [
        ('GSCNNHead (Gated-SCNN)', 'gscnn', 0),
        ('GSCNNHead (Gated-SCNN)', 'gscnn', 1),
        ('GSCNNSepASPPHead (DeepLabV3+ with shape stream)',
         'gscnn-deeplabv3plus', 0),
        ('DeepLabV3+ (mmseg DepthwiseSeparableASPPHead)', 'deeplabv3plus', 0),
        ('DeepLabV3+ (mmseg DepthwiseSeparableASPPHead)', 'deeplabv3plus', 1),
        ('LightWeightRefineNetHead', 'lw-refinenet', 0),
        ('RefineNetHead', 'refinenet', 0),
        ('PSPUpsampleHead + ClassPresenceHead', 'psp-upsample-presence', 0),
        ('PSPNet (mmseg PSPHead)', 'pspnet', 0),
        ('FCN (mmseg FCNHead)', 'fcn', 0),
    ]
    return [
        CamVidRun(name,
                  osp.join(repo_root, CONFIG_DIR, CONFIG_PATTERN.format(key)),
                  seed) for name, key, seed in rows
    ]


def row_label(run: CamVidRun) -> str:
    return f'{run.name}, seed {run.seed}'


def test_evaluator(config: str) -> list:
    """The config's ``test_evaluator``, its ``IoUMetric`` replaced by
    :class:`PerClassIoUMetric` (same settings)."""
    evaluator = copy.deepcopy(Config.fromfile(config).test_evaluator)
    metrics = evaluator if isinstance(evaluator, list) else [evaluator]
    metrics = [
        dict(m, type='PerClassIoUMetric') if m['type'] == 'IoUMetric' else m
        for m in metrics
    ]
    if not any(m['type'] == 'PerClassIoUMetric' for m in metrics):
        raise ValueError(f'{config}: test_evaluator has no IoUMetric to '
                         'report per-class IoU with')
    return metrics


_BEST = re.compile(r'best_mIoU_iter_(\d+)\.pth$')


def best_checkpoint(work_dir: str) -> Optional[Tuple[str, int]]:
    """The checkpoint chosen on ``val`` (``best_mIoU_iter_<N>.pth``) and
    its iteration, or None when the run has not validated yet. With several
    (a resumed run), the latest iteration's."""
    found = []
    for path in glob.glob(osp.join(work_dir, 'best_mIoU_iter_*.pth')):
        match = _BEST.search(path)
        if match:
            found.append((int(match.group(1)), path))
    if not found:
        return None
    iteration, path = max(found)
    return path, iteration


def val_score(work_dir: str, iteration: int, key: str = 'mIoU') -> float:
    """The validation ``key`` logged at ``iteration``."""
    _, val = read_scalars(work_dir)
    for step, value in val.get(key, []):
        if step == iteration:
            return value
    raise ValueError(f'{work_dir}: no validation {key!r} at iteration '
                     f'{iteration} in its scalar logs')


# mmengine's log file writes '2026/12/06 15:17:47 - mmengine - ...', its
# console (and a redirected stdout) '12/06 15:17:47 - mmengine - ...'.
_STAMP = re.compile(r'^((?:\d{4}/)?\d\d/\d\d \d\d:\d\d:\d\d) - mmengine')


def _parse_stamp(text: str) -> datetime.datetime:
    fmt = '%Y/%m/%d %H:%M:%S' if text.count('/') == 2 else '%m/%d %H:%M:%S'
    return datetime.datetime.strptime(text, fmt)


def run_wall_seconds(work_dir: str) -> Optional[float]:
    """Wall time of a training run, from the first to the last timestamp of
    its text logs (start-up, training, validation, checkpoints), summed
    over launches; None without logs."""
    total = 0.0
    logs = sorted(glob.glob(osp.join(work_dir, '*', '*.log')))
    for log in logs:
        stamps = []
        with open(log) as f:
            for line in f:
                match = _STAMP.match(line)
                if match:
                    stamps.append(_parse_stamp(match.group(1)))
        if len(stamps) >= 2:
            span = (stamps[-1] - stamps[0]).total_seconds()
            total += span if span >= 0 else span + 365 * 86400
    return total if logs else None


def format_main_table(results: Dict[str, dict]) -> str:
    """Test mIoU, both BF protocols and Boundary IoU, one row per run."""
    header = (['model', 'seed', 'best val iter', 'val mIoU', 'test mIoU'] +
              [f'BF@{t} (gscnn)' for t in BF_TOLERANCES] +
              [f'BF@{t} (pooled)' for t in BF_TOLERANCES] + ['BIoU'])
    rows = []
    for r in results.values():
        if r.get('missing'):
            rows.append([r['name'], str(r['seed']), 'not trained'] + [''] *
                        (len(header) - 3))
            continue
        m = r['metrics']
        rows.append([
            r['name'],
            str(r['seed']),
            str(r['best_iter']),
            cell(r['val_mIoU']),
            cell(m['mIoU'])
        ] + [cell(m.get(k))
             for k in GSCNN_BF_KEYS + POOLED_BF_KEYS] + [cell(m.get('BIoU'))])
    return markdown_table(header, rows)


def format_class_table(results: Dict[str, dict],
                       classes: Sequence[str]) -> str:
    """Test IoU of each class, one row per run."""
    rows = [[r['name'], str(r['seed'])] +
            [cell(r['metrics'].get(f'IoU.{c}')) for c in classes]
            for r in results.values() if not r.get('missing')]
    return markdown_table(['model', 'seed'] + list(classes), rows)


def seed_spread(
    results: Dict[str, dict],
    keys: Sequence[str] = ('mIoU', 'gscnn/BF@2px', 'BF@2px', 'BIoU')
) -> Dict[str, dict]:
    """Per config trained with several seeds: mean and half-range
    (``(max - min) / 2``) over its seeds of each key all of them report."""
    by_config: Dict[str, List[dict]] = {}
    for r in results.values():
        if not r.get('missing'):
            by_config.setdefault(r['name'], []).append(r['metrics'])
    spread = {}
    for name, runs in by_config.items():
        if len(runs) < 2:
            continue
        present = [k for k in keys if all(k in m for m in runs)]
        spread[name] = {
            key:
            dict(
                mean=statistics.fmean(m[key] for m in runs),
                half_range=(max(m[key]
                                for m in runs) - min(m[key]
                                                     for m in runs)) / 2,
                seeds=len(runs))
            for key in present
        }
    return spread


def format_seed_table(spread: Dict[str, dict]) -> str:
    """Mean ± half-range over seeds."""
    keys = list(next(iter(spread.values()))) if spread else []
    rows = [[name, str(next(iter(stats.values()))['seeds'])] + [
        f"{stats[k]['mean']:.1f} ± {stats[k]['half_range']:.1f}" for k in keys
    ] for name, stats in spread.items()]
    return markdown_table(['model', 'seeds'] + keys, rows)


def format_cost_table(results: Dict[str, dict]) -> str:
    """Parameters and the logged training cost of each run."""
    rows = []
    for r in results.values():
        if r.get('missing'):
            continue
        wall = r.get('wall_s')
        rows.append([
            r['name'],
            str(r['seed']),
            cell(r.get('params_m'), 2),
            cell(r.get('s_per_iter'), 3),
            '-' if wall is None else f'{wall / 60:.1f}'
        ])
    return markdown_table(
        ['model', 'seed', 'params (M)', 'median s/iter', 'run wall (min)'],
        rows)


def format_published() -> str:
    return markdown_table(['method', 'pretraining', 'test mIoU'],
                          [[n, p, f'{v:.1f}'] for n, p, v in PUBLISHED])


def plot_curves(runs: Sequence[Tuple[str, str]], out_file: str) -> None:
    """Training loss, val mIoU and val ``gscnn/BF@2px`` of several runs
    (``(label, work_dir)`` pairs) against iteration, one PNG."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    panels = [('training cross-entropy of the decode head', 'train',
               'decode.loss_ce'), ('val mIoU (%)', 'val', 'mIoU'),
              ('val BF@2px, gscnn protocol (%)', 'val', 'gscnn/BF@2px')]
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.5))
    for label, work_dir in runs:
        train, val = read_scalars(work_dir)
        series = dict(train=train, val=val)
        for ax, (_, part, key) in zip(axes, panels):
            points = series[part].get(key, [])
            if points:
                steps, values = zip(*points)
                ax.plot(
                    steps,
                    values,
                    label=label,
                    marker='o' if part == 'val' else None,
                    linewidth=1)
    for ax, (title, _, _) in zip(axes, panels):
        ax.set_title(title)
        ax.set_xlabel('iteration')
        ax.grid(alpha=0.3)
    axes[0].set_yscale('log')
    axes[2].legend(fontsize=7, loc='lower right')
    fig.tight_layout()
    fig.savefig(out_file, dpi=90)
    plt.close(fig)


#: Prefix of the per-class keys in the returned metrics.
PER_CLASS_PREFIX = 'IoU.'


@METRICS.register_module(force=True)
class PerClassIoUMetric(IoUMetric):
    """``IoUMetric`` (mIoU only) plus ``IoU.<class>`` per class."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault('iou_metrics', ['mIoU'])
        if list(kwargs['iou_metrics']) != ['mIoU']:
            raise ValueError('PerClassIoUMetric reports IoU only: '
                             f'iou_metrics must be [\'mIoU\'], got '
                             f'{kwargs["iou_metrics"]!r}')
        super().__init__(**kwargs)

    def compute_metrics(self, results: List[tuple]) -> Dict[str, float]:
        """The class mean and the per-class IoU, in percent.

        Args:
            results (list[tuple]): Per image, mmseg's four ``(C,)`` area
                tensors: intersection, union, predicted and ground-truth
                pixels per class.

        Returns:
            dict[str, float]: ``aAcc``, ``mIoU`` (mmseg's) and
            ``IoU.<class>`` for each class of ``dataset_meta``.
        """
        metrics = super().compute_metrics(results)
        if self.format_only:
            return metrics
        intersect = sum(r[0] for r in results).double().cpu().numpy()
        union = sum(r[1] for r in results).double().cpu().numpy()
        with np.errstate(invalid='ignore', divide='ignore'):
            iou = np.where(union > 0, intersect / np.maximum(union, 1), np.nan)
        classes = self.dataset_meta['classes']
        for name, value in zip(classes, iou):
            metrics[PER_CLASS_PREFIX + name] = float(np.round(value * 100, 2))
        return metrics


REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Train and test the configs/camvid models')
    parser.add_argument(
        '--runs',
        nargs='+',
        metavar='KEY[:SEED]',
        help='rows to include, by config key (the config name before '
        '"_r18") and seed (default 0), e.g. gscnn gscnn:1 fcn:2 (default: '
        'the runs of docs/camvid_results.md)')
    parser.add_argument(
        '--config-dir',
        help='read the configs from here instead of configs/camvid')
    parser.add_argument('--work-root', default='work_dirs/camvid')
    parser.add_argument(
        '--train',
        action='store_true',
        help='train the runs that have no best checkpoint yet, one after '
        'the other')
    parser.add_argument('--markdown', help='write the tables here')
    parser.add_argument('--json', help='write every figure as JSON here')
    parser.add_argument('--figure', help='picture of test predictions')
    parser.add_argument(
        '--images',
        type=int,
        nargs='+',
        default=[12, 23, 119],
        help='test image indices of the figure (default: a bicyclist, '
        'pedestrians and cars, poles)')
    parser.add_argument('--curves', help='PNG of the training curves')
    parser.add_argument(
        '--reuse',
        action='store_true',
        help='reuse the saved test metrics of an unchanged checkpoint')
    parser.add_argument('--device', default='cpu')
    return parser.parse_args(argv)


def select_runs(args: argparse.Namespace) -> List[CamVidRun]:
    runs = default_runs(REPO_ROOT)
    if args.config_dir:
        runs = [
            r._replace(
                config=osp.join(args.config_dir, osp.basename(r.config)))
            for r in runs
        ]
    if not args.runs:
        return runs
    by_key = {}
    for run in runs:
        by_key.setdefault(run.config_name.split('_r18')[0], run)
    chosen = []
    for item in args.runs:
        key, _, seed = item.partition(':')
        if key not in by_key or (seed and not seed.isdigit()):
            raise SystemExit(f'--runs: expected KEY[:SEED] with KEY one of '
                             f'{", ".join(by_key)}, got {item!r}')
        chosen.append(by_key[key]._replace(seed=int(seed or 0)))
    return chosen


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, dict]:
    args = parse_args(argv)
    runs = select_runs(args)
    for run in runs:
        if not osp.isfile(run.config):
            raise SystemExit(f'config file {run.config!r} does not exist')
    results: Dict[str, dict] = {}
    for run in runs:
        work_dir = osp.join(args.work_root, run.work_dir_name)
        best = best_checkpoint(work_dir)
        if best is None and args.train:
            train_run(run.config, work_dir, 'camvid_results',
                      [f'randomness.seed={run.seed}'])
            best = best_checkpoint(work_dir)
        row = dict(
            name=run.name, seed=run.seed, config=run.config, work_dir=work_dir)
        results[row_label(run)] = row
        if best is None:
            print(f'[camvid_results] {row_label(run)}: no best_mIoU '
                  f'checkpoint in {work_dir} (pass --train)')
            row['missing'] = True
            continue
        checkpoint, iteration = best
        metrics, info = evaluate_cached(run.config, checkpoint,
                                        osp.join(work_dir, 'test_eval'),
                                        test_evaluator(run.config), args.reuse,
                                        args.device, 'camvid_results')
        row.update(
            checkpoint=checkpoint,
            best_iter=iteration,
            val_mIoU=val_score(work_dir, iteration),
            s_per_iter=train_seconds_per_iter(work_dir),
            wall_s=run_wall_seconds(work_dir),
            metrics=metrics,
            **info)
    trained = [r for r in results.values() if not r.get('missing')]
    classes = [
        k[len('IoU.'):] for k in (trained[0]['metrics'] if trained else {})
        if k.startswith('IoU.')
    ]
    spread = seed_spread(results)
    sections = [('Test results', format_main_table(results)),
                ('Per-class test IoU', format_class_table(results, classes)),
                ('Seeds', format_seed_table(spread) if spread else '-'),
                ('Cost', format_cost_table(results)),
                ('Published, same split', format_published())]
    markdown = '\n\n'.join(f'### {title}\n\n{body}'
                           for title, body in sections)
    print(markdown)
    if args.markdown:
        with open(args.markdown, 'w') as f:
            f.write(markdown + '\n')
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(dict(runs=results, seeds=spread), f, indent=2)
    seed0 = [(Run(r['name'], r['config']), r['checkpoint']) for r in trained
             if r['seed'] == 0]
    if args.figure and seed0:
        draw_predictions(
            seed0,
            args.images,
            args.figure,
            args.device,
            scale=0.5,
            edges=True)
        print(f'[camvid_results] figure: {args.figure}')
    if args.curves and trained:
        plot_curves([(row_label(run), r['work_dir'])
                     for run, r in zip(runs, results.values())
                     if not r.get('missing') and r['seed'] == 0], args.curves)
        print(f'[camvid_results] curves: {args.curves}')
    return results


if __name__ == '__main__':
    main()
