# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Every CamVid model of configs/camvid/ in one table (CamVid results doc).

A run is a config trained with one seed into its own work dir. It is
tested with the checkpoint that scored the best ``mIoU`` on ``val``
(mmengine's ``best_mIoU_iter_*.pth``), on all of ``test``, with the
config's own test evaluator (mIoU, both boundary F-score protocols,
Boundary IoU), where mmseg's ``IoUMetric`` is swapped for
:class:`PerClassIoUMetric` to also get the IoU of each class.
``tools/analysis/camvid_results.py`` is the command line.
"""
import copy
import datetime
import glob
import os.path as osp
import re
import statistics
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

from mmengine.config import Config

from .training_log import read_scalars

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


def median_iter_seconds(work_dir: str) -> Optional[float]:
    """Median logged ``time`` (seconds per training iteration)."""
    try:
        train, _ = read_scalars(work_dir)
    except FileNotFoundError:
        return None
    times = [value for _, value in train.get('time', [])]
    return statistics.median(times) if times else None


def _cell(value: Optional[float], digits: int = 1) -> str:
    if value is None or value != value:  # None or nan
        return '-'
    return f'{value:.{digits}f}'


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = [
        '| ' + ' | '.join(header) + ' |',
        '|' + '|'.join(['---'] + ['---:'] * (len(header) - 1)) + '|'
    ]
    lines += ['| ' + ' | '.join(row) + ' |' for row in rows]
    return '\n'.join(lines)


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
            _cell(r['val_mIoU']),
            _cell(m['mIoU'])
        ] + [_cell(m.get(k))
             for k in GSCNN_BF_KEYS + POOLED_BF_KEYS] + [_cell(m.get('BIoU'))])
    return _table(header, rows)


def format_class_table(results: Dict[str, dict],
                       classes: Sequence[str]) -> str:
    """Test IoU of each class, one row per run."""
    rows = [[r['name'], str(r['seed'])] +
            [_cell(r['metrics'].get(f'IoU.{c}')) for c in classes]
            for r in results.values() if not r.get('missing')]
    return _table(['model', 'seed'] + list(classes), rows)


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
    return _table(['model', 'seeds'] + keys, rows)


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
            _cell(r.get('params_m'), 2),
            _cell(r.get('s_per_iter'), 3),
            '-' if wall is None else f'{wall / 60:.1f}'
        ])
    return _table(
        ['model', 'seed', 'params (M)', 'median s/iter', 'run wall (min)'],
        rows)


def format_published() -> str:
    return _table(['method', 'pretraining', 'test mIoU'],
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
