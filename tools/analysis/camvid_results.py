# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Train, test and tabulate the CamVid runs of docs/camvid_results.md.

A plan (``--plan quick|converged|ablation|heads``) lists runs (config and
seed), each trained with ``tools/train.py`` into ``WORK_ROOT/<config
name>[_seed<N>]``. A run's checkpoint is picked on ``val`` (best mIoU) and
tested on all of ``test`` with the config's test evaluator, its
``IoUMetric`` swapped for :class:`PerClassIoUMetric`. Finished runs are
recorded in ``docs/camvid_runs.json`` (``--record``) so that a checkout
without the work dirs still has them; ``--status`` lists what exists and
the command for each missing run. See docs/camvid_results.md.
"""
import argparse
import copy
import datetime
import functools
import glob
import json
import os.path as osp
import re
import resource
import statistics
import subprocess
import time
from typing import (Callable, Dict, Iterable, List, NamedTuple, Optional,
                    Sequence, Tuple)

import numpy as np
from mmengine.config import Config
from mmengine.fileio import dump, load
from mmseg.evaluation import IoUMetric
from mmseg.registry import METRICS

import mmseg_ext  # noqa: F401  (registration and stack fixes)
from benchmarking.run_results import (Run, cell, draw_predictions,
                                      evaluate_cached, markdown_table,
                                      plot_panels, read_scalars, train_run,
                                      train_seconds_per_iter, write_outputs)

CONFIG_DIR = osp.join('configs', 'camvid')
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

QUICK = '{}_r18-c32-d16_1xb4-1500it_camvid-256x256.py'
CONVERGED = 'converged/{}_r18-c32-d16_1xb4-6k_camvid-256x256.py'
ABLATION = ('ablation/gscnn-deeplabv3plus-{}_r18-c32-d16_1xb4-1500it_'
            'camvid-256x256.py')
MIT = '{}_mit-b0_1xb4-1500it_camvid-256x256.py'
GSCNN = 'GSCNNHead (Gated-SCNN)'
TWIN_STREAM = 'GSCNNSepASPPHead (DeepLabV3+ with shape stream)'
DEEPLAB = 'DeepLabV3+ (mmseg DepthwiseSeparableASPPHead)'
#: Suffix of the shape-stream half of a ``heads`` pair.
WITH_STREAM = ' + shape stream'


class Plan(NamedTuple):
    """A set of runs: default work root, and rows of display name, config
    (relative to ``configs/camvid``) and seeds, in training order."""
    work_root: str
    rows: Tuple[Tuple[str, str, Tuple[int, ...]], ...]


#: The runs of docs/camvid_results.md, per plan (issue 23).
PLANS = {
    'quick':
    Plan('work_dirs/camvid', (
        (GSCNN, QUICK.format('gscnn'), (0, 1)),
        (TWIN_STREAM, QUICK.format('gscnn-deeplabv3plus'), (0, )),
        (DEEPLAB, QUICK.format('deeplabv3plus'), (0, 1)),
        ('LightWeightRefineNetHead', QUICK.format('lw-refinenet'), (0, )),
        ('RefineNetHead', QUICK.format('refinenet'), (0, )),
        ('PSPUpsampleHead + ClassPresenceHead',
         QUICK.format('psp-upsample-presence'), (0, )),
        ('PSPNet (mmseg PSPHead)', QUICK.format('pspnet'), (0, )),
        ('FCN (mmseg FCNHead)', QUICK.format('fcn'), (0, )),
    )),
    'converged':
    Plan('work_dirs/camvid_converged', (
        (GSCNN, CONVERGED.format('gscnn'), (0, 1, 2)),
        (DEEPLAB, CONVERGED.format('deeplabv3plus'), (0, 1, 2)),
        (TWIN_STREAM, CONVERGED.format('gscnn-deeplabv3plus'), (0, 1, 2)),
    )),
    'ablation':
    Plan('work_dirs/camvid', (
        ('full model (GSCNNSepASPPHead)', QUICK.format('gscnn-deeplabv3plus'),
         (0, 1)),
        ('no gated convolutions', ABLATION.format('nogate'), (0, 1)),
        ('no image gradient', ABLATION.format('nogradient'), (0, 1)),
        ('no dual-task loss', ABLATION.format('nodual'), (0, 1)),
        ('no edge-attention loss', ABLATION.format('noatt'), (0, 1)),
        ('no shape stream (DeepLabV3+)', QUICK.format('deeplabv3plus'),
         (0, 1)),
    )),
    'heads':
    Plan('work_dirs/camvid', (
        ('UPerNet', QUICK.format('upernet'), (0, 1)),
        ('UPerNet' + WITH_STREAM, QUICK.format('gscnn-upernet'), (0, 1)),
        ('FCN', QUICK.format('fcn'), (0, )),
        ('FCN' + WITH_STREAM, QUICK.format('gscnn-fcn'), (0, )),
        ('SegFormer', MIT.format('segformer'), (0, )),
        ('SegFormer' + WITH_STREAM, MIT.format('gscnn-segformer'), (0, )),
    )),
}


def plan_runs(plan: str, config_dir: str) -> List[Run]:
    """The runs of ``plan``, one per config and seed, configs under
    ``config_dir``."""
    return [
        Run(name, osp.join(config_dir, config), seed)
        for name, config, seeds in PLANS[plan].rows for seed in seeds
    ]


def row_label(run: Run) -> str:
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
    found = [
        (int(m.group(1)), m.string)
        for m in map(_BEST.search, glob.glob(osp.join(work_dir, 'best_*.pth')))
        if m
    ]
    return max(found)[::-1] if found else None


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


def _text_logs(work_dir: str) -> List[str]:
    """The text logs of a run's launches, in order."""
    return sorted(glob.glob(osp.join(work_dir, '*', '*.log')))


def run_wall_seconds(work_dir: str) -> Optional[float]:
    """Wall time of a training run, from the first to the last timestamp of
    its text logs (start-up, training, validation, checkpoints), summed
    over launches; None without logs."""
    total = 0.0
    logs = _text_logs(work_dir)
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


#: What mmengine's EarlyStoppingHook logs when it stops a run.
EARLY_STOP_MESSAGE = 'did not improve in the last'
#: Facts of a run that only ``--train`` can know (commit, CPU time).
RUN_INFO = 'camvid_run.json'
RECORDS = osp.join('docs', 'camvid_runs.json')
#: ``--record`` also writes each config's seed-0 results here.
META = osp.join(CONFIG_DIR, 'metafile.yml')
#: The logged series a record keeps for the curves.
CURVE_KEYS = dict(train=('decode.loss_ce', ), val=('mIoU', 'gscnn/BF@2px'))


def run_state(run: Run, work_dir: str) -> dict:
    """What ``work_dir`` holds of ``run``: the ``best`` checkpoint and its
    iteration, the last iteration logged, ``max_iters``, the validation at
    which ``EarlyStoppingHook`` stopped it, whether it ``started`` and
    ``finished`` (a best checkpoint, and max_iters or an early stop), and
    its ``curves``."""
    state = dict(
        best=best_checkpoint(work_dir),
        max_iters=Config.fromfile(run.config).train_cfg.max_iters,
        early_stop_iter=None,
        started=osp.isdir(work_dir))
    try:
        train, val = read_scalars(work_dir)
    except FileNotFoundError:
        train, val = {}, {}
    state['iters'] = max((step for series in (*train.values(), *val.values())
                          for step, _ in series),
                         default=0)
    for log in _text_logs(work_dir):
        with open(log) as f:
            if EARLY_STOP_MESSAGE in f.read():
                state['early_stop_iter'] = max(
                    (step for step, _ in val.get('mIoU', [])), default=None)
    state['finished'] = state['best'] is not None and (
        state['iters'] >= state['max_iters']
        or state['early_stop_iter'] is not None)
    series = dict(train=train, val=val)
    state['curves'] = {
        part: {
            k: series[part][k]
            for k in keys if k in series[part]
        }
        for part, keys in CURVE_KEYS.items()
    }
    return state


def git_commit() -> str:
    """HEAD of the checkout this tool runs from, marked when tracked files
    differ from it."""
    git = functools.partial(
        subprocess.run, cwd=REPO_ROOT, capture_output=True, text=True)
    head = git(['git', 'rev-parse', 'HEAD'])
    if head.returncode:
        return 'unknown (not a git checkout)'
    dirty = git(['git', 'status', '--porcelain', '--untracked-files=no'])
    return head.stdout.strip() + (' + uncommitted changes'
                                  if dirty.stdout else '')


def train_with_cost(run: Run, work_dir: str, resume: bool) -> None:
    """Train (or resume) ``run``; add the commit and the CPU and wall
    seconds of the training process to ``work_dir/camvid_run.json``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.time()
    commit = git_commit()
    train_run(run.config, work_dir, 'camvid_results',
              [f'randomness.seed={run.seed}'], resume)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    info = read_run_info(work_dir)
    commits = info.get('commit', '').split(', ') if info else []
    info.update(
        commit=', '.join(dict.fromkeys([c for c in commits if c] + [commit])),
        cpu_s=info.get('cpu_s', 0.0) + (after.ru_utime + after.ru_stime) -
        (before.ru_utime + before.ru_stime),
        train_wall_s=info.get('train_wall_s', 0.0) + time.time() - start)
    dump(info, osp.join(work_dir, RUN_INFO), indent=2)


def read_run_info(work_dir: str) -> dict:
    path = osp.join(work_dir, RUN_INFO)
    if not osp.isfile(path):
        return {}
    return load(path)


def record_key(config: str, seed: int) -> str:
    """Records match runs by config file name and seed."""
    return f'{osp.splitext(osp.basename(config))[0]}:{seed}'


def find_record(records: Dict[str, dict], run: Run,
                plan: str) -> Optional[dict]:
    """The record of ``run`` if ``plan`` may reuse it: a record listing
    ``plans`` (runs of code older than the record keeping, whose commit is
    unknown) serves those plans only."""
    record = records.get(record_key(run.config, run.seed))
    if record and plan in (record.get('plans') or [plan]):
        return record
    return None


def load_records(path: str) -> Dict[str, dict]:
    """The recorded runs of ``path`` by :func:`record_key`; {} when the
    file does not exist."""
    if not osp.isfile(path):
        return {}
    data = load(path)
    if not isinstance(data.get('runs'), list):
        raise SystemExit(f'{path}: expected {{"runs": [...]}}')
    records = {}
    for number, record in enumerate(data['runs']):
        missing = {'config', 'seed', 'commit', 'metrics'} - set(record)
        if missing:
            raise SystemExit(f'{path}: run {number} lacks {sorted(missing)}')
        records[record_key(record['config'], record['seed'])] = record
    return records


#: Row keys a record keeps (besides config, seed and name).
RECORD_KEYS = ('commit', 'source', 'max_iters', 'iters', 'best_iter',
               'early_stop_iter', 'val_mIoU', 'cpu_min', 'wall_min',
               'train_wall_min', 's_per_iter', 'params_m', 'metrics', 'curves',
               'plans')


def save_records(path: str, records: Dict[str, dict]) -> None:
    with open(path, 'w') as f:
        json.dump(
            dict(runs=[records[k] for k in sorted(records)]), f, indent=1)
        f.write('\n')


def make_record(run: Run, row: dict) -> dict:
    """A finished run's row as it is kept in docs/camvid_runs.json (a nan
    metric, a class absent from the test set, as null: strict JSON)."""
    config = osp.relpath(osp.abspath(run.config), REPO_ROOT)
    record = dict(name=run.name, config=config, seed=run.seed)
    record.update({k: row.get(k) for k in RECORD_KEYS})
    record['metrics'] = {
        k: None if v != v else v
        for k, v in row['metrics'].items()
    }
    return record


#: The headline metrics: seed spreads, and the metafile's mim ``Results``
#: (those of the record of the config's own seed, 0).
HEADLINE = ('mIoU', 'gscnn/BF@2px', 'BF@2px', 'BIoU')
RESULT = dict(Task='Semantic Segmentation', Dataset='CamVid')


def update_metafile(path: str, records: Dict[str, dict]) -> None:
    """Each model's ``Results`` in ``path``: its seed-0 record's, or none."""
    meta = load(path)
    for model in meta['Models']:
        model.pop('Results', None)
        record = records.get(record_key(model['Config'], 0))
        if record:
            metrics = {k: round(record['metrics'][k], 2) for k in HEADLINE}
            model['Results'] = [dict(RESULT, Metrics=metrics)]
    dump(meta, path, sort_keys=False, width=1000)


def train_command(run: Run, work_dir: str, resume: bool) -> str:
    config = osp.relpath(osp.abspath(run.config), REPO_ROOT)
    return (f'python tools/train.py {config} --work-dir {work_dir}' +
            (' --resume' if resume else '') +
            f' --cfg-options randomness.seed={run.seed}')


def format_status(plan: str, runs: Sequence[Run], work_root: str,
                  records: Dict[str, dict]) -> str:
    """Per run: what the work dir holds, whether it is recorded, and the
    command that brings it forward."""
    lines = [f'plan {plan}: work root {work_root}']
    counts: Dict[str, int] = {}
    for run in runs:
        work_dir = osp.join(work_root, run.work_dir_name)
        state = run_state(run, work_dir)
        record = find_record(records, run, plan)
        if state['best']:
            here = (f'best checkpoint at iter {state["best"][1]}, last iter '
                    f'{state["iters"]}/{state["max_iters"]}, ' +
                    (f'early-stopped at {state["early_stop_iter"]}'
                     if state['early_stop_iter'] else 'not early-stopped'))
        else:
            here = ('started, no best checkpoint yet'
                    if state['started'] else 'not here')
        if record:
            kind, todo = 'recorded', None
        elif state['finished']:
            kind, todo = 'finished, not recorded', (
                f'python tools/analysis/camvid_results.py --plan {plan} '
                f'--work-root {work_root} --runs {run.key}:{run.seed} '
                '--reuse --record')
        else:
            kind = 'in progress' if state['started'] else 'missing'
            todo = train_command(run, work_dir, state['started'])
        counts[kind] = counts.get(kind, 0) + 1
        source = record and (record.get('source')
                             or f'commit {record["commit"]}')
        recorded = f'RECORDED ({source})' if record else 'not recorded'
        lines += [
            f'{row_label(run)} [{run.config_name}]',
            f'  here: {here}; {recorded}'
        ]
        if todo:
            lines.append(f'  next: {todo}')
    kinds = ('recorded', 'finished, not recorded', 'in progress', 'missing')
    lines.append('summary: ' + ', '.join(f'{counts[k]} {k}'
                                         for k in kinds if k in counts))
    return '\n'.join(lines)


def run_table(results: Dict[str, dict],
              columns: Sequence[Tuple[str, Callable[[dict], str]]],
              missing: Optional[str] = None) -> str:
    """One row per run: model, seed and ``(header, cell of a row)``
    columns; a run not trained shows ``missing``, or no row when None."""
    rows = []
    for r in results.values():
        row = [r['name'], str(r['seed'])]
        if not r.get('missing'):
            rows.append(row + [fn(r) for _, fn in columns])
        elif missing:
            rows.append(row + [missing] + [''] * (len(columns) - 1))
    return markdown_table(['model', 'seed'] + [h for h, _ in columns], rows)


def metric(key: str, digits: int = 1) -> Callable[[dict], str]:
    """The cell of a row's test metric ``key``."""
    return lambda r: cell(r['metrics'].get(key), digits)


def field(key: str, digits: Optional[int] = 1) -> Callable[[dict], str]:
    """The cell of a row's ``key``, rounded (``digits=None``: as text)."""
    if digits is None:
        return lambda r: str(r.get(key, '-'))
    return lambda r: cell(r.get(key), digits)


def format_main_table(results: Dict[str, dict]) -> str:
    """Test mIoU, both BF protocols and Boundary IoU, one row per run."""
    return run_table(results, [('best val iter', field('best_iter', None)),
                               ('val mIoU', field('val_mIoU')),
                               ('test mIoU', metric('mIoU'))] +
                     [(f'BF@{t} (gscnn)', metric(k))
                      for t, k in zip(BF_TOLERANCES, GSCNN_BF_KEYS)] +
                     [(f'BF@{t} (pooled)', metric(k))
                      for t, k in zip(BF_TOLERANCES, POOLED_BF_KEYS)] +
                     [('BIoU', metric('BIoU'))], 'not trained')


def format_class_table(results: Dict[str, dict],
                       classes: Sequence[str]) -> str:
    """Test IoU of each class, one row per run."""
    return run_table(results,
                     [(c, metric(PER_CLASS_PREFIX + c)) for c in classes])


def seed_spread(results: Dict[str, dict],
                keys: Sequence[str] = HEADLINE) -> Dict[str, dict]:
    """Per model trained with several seeds: the mean, the sample standard
    deviation (``n - 1``) and the half-range (``(max - min) / 2``) over its
    seeds of each key all of them report."""
    spread = {}
    for name, runs in group_by_name(results).items():
        if len(runs) < 2:
            continue
        present = [k for k in keys if all(k in m for m in runs)]
        spread[name] = {}
        for key in present:
            values = [m[key] for m in runs]
            spread[name][key] = dict(
                mean=statistics.fmean(values),
                std=statistics.stdev(values),
                half_range=(max(values) - min(values)) / 2,
                seeds=len(runs))
    return spread


def format_seed_table(spread: Dict[str, dict]) -> str:
    """Mean ± sample standard deviation over seeds."""
    keys = list(next(iter(spread.values()))) if spread else []
    rows = [[name, str(next(iter(stats.values()))['seeds'])] +
            [f"{stats[k]['mean']:.1f} ± {stats[k]['std']:.1f}" for k in keys]
            for name, stats in spread.items()]
    return markdown_table(['model', 'seeds'] + keys, rows)


def group_by_name(results: Dict[str, dict]) -> Dict[str, List[dict]]:
    """The test metrics of each model's trained seeds, by display name in
    table order (a model with none trained maps to [])."""
    groups: Dict[str, List[dict]] = {}
    for r in results.values():
        groups.setdefault(r['name'], [])
        if not r.get('missing'):
            groups[r['name']].append(r['metrics'])
    return groups


def mean_std(values: Iterable[Optional[float]]) -> str:
    """``mean ± sample std`` of the values that are numbers; one value
    alone, ``-`` for none."""
    numbers = [v for v in values if v is not None and v == v]
    if len(numbers) < 2:
        return cell(numbers[0] if numbers else None)
    return f'{statistics.fmean(numbers):.1f} ± {statistics.stdev(numbers):.1f}'


def format_cost_table(results: Dict[str, dict]) -> str:
    """Parameters and the logged training cost of each run."""
    return run_table(results, [('params (M)', field('params_m', 2)),
                               ('CPU min', field('cpu_min')),
                               ('median s/iter', field('s_per_iter', 3)),
                               ('run wall (min)', field('wall_min'))])


def format_converged_table(results: Dict[str, dict]) -> str:
    """Schedule, iterations, early stop, cost and the headline scores."""
    return run_table(
        results,
        [('schedule (max iters)', field('max_iters', None)),
         ('iters reached', field('iters', None)),
         ('early stop at', lambda r: str(r.get('early_stop_iter') or '-')),
         ('best val iter', field('best_iter', None)),
         ('CPU min', field('cpu_min')), ('wall min', field('wall_min')),
         ('test mIoU', metric('mIoU')),
         ('BF@2 (gscnn)', metric('gscnn/BF@2px'))], 'not trained yet')


#: The thin classes of the ablation table.
THIN_CLASSES = ('Pole', 'SignSymbol', 'Fence', 'Pedestrian', 'Bicyclist')


def format_ablation_table(results: Dict[str, dict]) -> str:
    """Per variant, mean ± std over its seeds: mIoU, thin-class IoU and
    BF at 1/2/3/5 px in the gscnn protocol."""
    keys = (['mIoU'] + [PER_CLASS_PREFIX + c
                        for c in THIN_CLASSES] + GSCNN_BF_KEYS)
    header = (['variant', 'seeds', 'mIoU'] + list(THIN_CLASSES) +
              [f'BF@{t} (gscnn)' for t in BF_TOLERANCES])
    rows = []
    for name, runs in group_by_name(results).items():
        rows.append([name, str(len(runs))] +
                    ([mean_std(m.get(k) for m in runs)
                      for k in keys] if runs else ['not trained yet'] + [''] *
                     (len(keys) - 1)))
    return markdown_table(header, rows)


def format_heads_table(results: Dict[str, dict]) -> str:
    """Each head without and with the shape stream (mean ± std over seeds)
    and the difference of the means."""
    groups = group_by_name(results)
    keys = ('mIoU', 'gscnn/BF@2px', 'BF@2px')
    header = ['head', 'seeds (without / with)']
    for key in keys:
        header += [f'{key} without', f'{key} with', 'difference']
    rows = []
    for name, without in groups.items():
        if name.endswith(WITH_STREAM):
            continue
        with_ = groups.get(name + WITH_STREAM, [])
        row = [name, f'{len(without)} / {len(with_)}']
        for key in keys:
            pair = [[m[key] for m in runs if key in m]
                    for runs in (without, with_)]
            diff = (
                '-' if not all(pair) else
                f'{statistics.fmean(pair[1]) - statistics.fmean(pair[0]):+.1f}'
            )
            row += [mean_std(pair[0]), mean_std(pair[1]), diff]
        rows.append(row)
    return markdown_table(header, rows)


def format_published() -> str:
    return markdown_table(['method', 'pretraining', 'test mIoU'],
                          [[n, p, f'{v:.1f}'] for n, p, v in PUBLISHED])


def plot_curves(runs: Sequence[Tuple[str, dict]], out_file: str) -> None:
    """Training loss, val mIoU and val ``gscnn/BF@2px`` of several runs
    (``(label, curves)`` pairs, ``curves`` as :func:`run_state` returns
    them) against iteration, one PNG."""
    panels = [('training cross-entropy of the decode head', 'train',
               'decode.loss_ce'), ('val mIoU (%)', 'val', 'mIoU'),
              ('val BF@2px, gscnn protocol (%)', 'val', 'gscnn/BF@2px')]
    plot_panels(
        [(title, '', [(label, curves[part][key])
                      for label, curves in runs if curves[part].get(key)])
         for title, part, key in panels],
        out_file,
        log_first=True)


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
        """mmseg's ``aAcc`` and ``mIoU``, and ``IoU.<class>`` in percent,
        from the per-image ``(C,)`` intersection and union areas."""
        metrics = super().compute_metrics(results)
        if self.format_only:
            return metrics
        intersect = sum(r[0] for r in results).double().cpu().numpy()
        union = sum(r[1] for r in results).double().cpu().numpy()
        iou = np.where(union > 0, intersect / np.maximum(union, 1), np.nan)
        classes = self.dataset_meta['classes']
        for name, value in zip(classes, iou):
            metrics[PER_CLASS_PREFIX + name] = float(np.round(value * 100, 2))
        return metrics


REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Train, test and tabulate the configs/camvid runs')
    parser.add_argument(
        '--plan',
        choices=sorted(PLANS),
        default='quick',
        help='which runs: quick (every head, 1500 iterations), converged '
        '(6000 iterations, early stopping), ablation, heads (default quick)')
    parser.add_argument(
        '--runs',
        nargs='+',
        metavar='KEY[:SEED]',
        help='rows to include, by config key (the config name before the '
        'first "_") and seed (default 0), e.g. gscnn gscnn:1 fcn:2 '
        '(default: every run of the plan)')
    parser.add_argument(
        '--config-dir',
        help='read the configs from here instead of configs/camvid')
    parser.add_argument('--work-root', help='default: the plan\'s (see PLANS)')
    parser.add_argument(
        '--records',
        default=osp.join(REPO_ROOT, RECORDS),
        help='the recorded runs (default docs/camvid_runs.json)')
    parser.add_argument('--metafile', default=osp.join(REPO_ROOT, META))
    parser.add_argument(
        '--status',
        action='store_true',
        help='list what exists and what is recorded per run, with the '
        'command for each missing one; trains and tests nothing')
    parser.add_argument(
        '--train',
        action='store_true',
        help='train (or resume) the runs that are neither finished here '
        'nor (with --reuse) recorded, one after the other')
    parser.add_argument(
        '--record',
        action='store_true',
        help='write the finished runs of the work dirs into --records')
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
        help='take runs not finished here from --records, and reuse the '
        'saved test metrics of an unchanged checkpoint')
    parser.add_argument('--device', default='cpu')
    return parser.parse_args(argv)


def select_runs(args: argparse.Namespace) -> List[Run]:
    runs = plan_runs(args.plan, args.config_dir
                     or osp.join(REPO_ROOT, CONFIG_DIR))
    if not args.runs:
        return runs
    by_key: Dict[str, Run] = {}
    for run in runs:
        by_key.setdefault(run.key, run)
    chosen = []
    for item in args.runs:
        key, _, seed = item.partition(':')
        if key not in by_key or (seed and not seed.isdigit()):
            raise SystemExit(f'--runs: expected KEY[:SEED] with KEY one of '
                             f'{", ".join(by_key)}, got {item!r}')
        chosen.append(by_key[key]._replace(seed=int(seed or 0)))
    return chosen


def plan_sections(plan: str, results: Dict[str, dict],
                  spread: Dict[str, dict]) -> List[Tuple[str, str]]:
    """The titled tables of ``plan``."""
    trained = [r for r in results.values() if not r.get('missing')]
    classes = [
        k[len(PER_CLASS_PREFIX):]
        for k in (trained[0]['metrics'] if trained else {})
        if k.startswith(PER_CLASS_PREFIX)
    ]
    seeds = ('Seeds (mean ± sample standard deviation)',
             format_seed_table(spread) if spread else '-')
    per_class = ('Per-class test IoU', format_class_table(results, classes))
    if plan == 'converged':
        return [('Converged runs', format_converged_table(results)), seeds,
                ('Test results', format_main_table(results)), per_class,
                ('Published, same split', format_published())]
    if plan == 'ablation':
        return [('Ablation (mean ± sample std over seeds)',
                 format_ablation_table(results)), seeds,
                ('Test results', format_main_table(results))]
    if plan == 'heads':
        return [('The shape stream on other heads',
                 format_heads_table(results)),
                ('Test results', format_main_table(results)), per_class]
    return [('Test results', format_main_table(results)), per_class, seeds,
            ('Cost', format_cost_table(results)),
            ('Published, same split', format_published())]


def collect(args: argparse.Namespace, runs: Sequence[Run], work_root: str,
            records: Dict[str, dict]) -> Dict[str, dict]:
    """A row per run: tested from its work dir when it finished there (or
    without --reuse, when it has a best checkpoint), else its record (with
    --reuse), else missing; training first with --train."""
    results: Dict[str, dict] = {}
    for run in runs:
        work_dir = osp.join(work_root, run.work_dir_name)
        record = find_record(records, run, args.plan)
        state = run_state(run, work_dir)
        if args.train and not state['finished'] and not (args.reuse
                                                         and record):
            train_with_cost(run, work_dir, state['started'])
            state = run_state(run, work_dir)
        row = dict(
            name=run.name, seed=run.seed, config=run.config, work_dir=work_dir)
        results[row_label(run)] = row
        if state['best'] and (state['finished'] or not args.reuse
                              or not record):
            checkpoint, iteration = state['best']
            metrics, info = evaluate_cached(run.config, checkpoint,
                                            osp.join(work_dir, 'test_eval'),
                                            test_evaluator(run.config),
                                            args.reuse, args.device,
                                            'camvid_results')
            cost = read_run_info(work_dir)
            cost['wall_s'] = run_wall_seconds(work_dir)
            minutes = {
                f'{k[:-2]}_min': cost.get(k) and cost[k] / 60
                for k in ('wall_s', 'cpu_s', 'train_wall_s')
            }
            row.update(
                checkpoint=checkpoint,
                best_iter=iteration,
                val_mIoU=val_score(work_dir, iteration),
                s_per_iter=train_seconds_per_iter(work_dir),
                **minutes,
                commit=cost.get('commit')
                or 'unknown: trained outside camvid_results.py --train '
                f'(HEAD when recorded: {git_commit()})',
                source='work dir' +
                ('' if state['finished'] else ' (not finished)'),
                metrics=metrics,
                **{
                    k: state[k]
                    for k in ('iters', 'max_iters', 'early_stop_iter',
                              'curves')
                },
                **info)
            if args.record and state['finished']:
                records[record_key(run.config,
                                   run.seed)] = make_record(run, row)
        elif args.reuse and record:
            row.update({k: record.get(k) for k in RECORD_KEYS})
        else:
            print(f'[camvid_results] {row_label(run)}: no best_mIoU '
                  f'checkpoint in {work_dir} and no record (pass --train)')
            row['missing'] = True
    return results


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, dict]:
    args = parse_args(argv)
    runs = select_runs(args)
    work_root = args.work_root or PLANS[args.plan].work_root
    for run in runs:
        if not osp.isfile(run.config):
            raise SystemExit(f'config file {run.config!r} does not exist')
    records = load_records(args.records)
    if args.status:
        print(format_status(args.plan, runs, work_root, records))
        return {}
    results = collect(args, runs, work_root, records)
    if args.record:
        save_records(args.records, records)
        update_metafile(args.metafile, records)
        print(f'[camvid_results] records: {args.records}, {args.metafile}')
    spread = seed_spread(results)
    markdown = '\n\n'.join(
        f'### {title}\n\n{body}'
        for title, body in plan_sections(args.plan, results, spread))
    write_outputs(markdown, args.markdown, dict(runs=results, seeds=spread),
                  args.json)
    trained = [r for r in results.values() if not r.get('missing')]
    seed0 = [(Run(r['name'], r['config']), r['checkpoint']) for r in trained
             if r['seed'] == 0 and 'checkpoint' in r]
    if args.figure and seed0:
        draw_predictions(seed0, args.images, args.figure, args.device, 0.5,
                         True)
        print(f'[camvid_results] figure: {args.figure}')
    curves = [
        (f'{r["name"]}, seed {r["seed"]}', r['curves']) for r in trained
        if r.get('curves') and (args.plan == 'converged' or r['seed'] == 0)
    ]
    if args.curves and curves:
        plot_curves(curves, args.curves)
        print(f'[camvid_results] curves: {args.curves}')
    return results


if __name__ == '__main__':
    main()
