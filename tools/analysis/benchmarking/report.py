# Copyright (c) mmseg_ext contributors. All rights reserved.
"""The benchmark's derived numbers (ratios, FLOP/s), environment and table.
"""
import contextlib
import datetime
import os
import platform
import statistics
from importlib import metadata
from typing import Any, Dict, List, Optional, Tuple

import torch

from mmseg_ext.version import __version__
from .measurements import MEASUREMENTS

#: Ratio name -> path of the number in a config's results.
RATIO_KEYS = dict(
    train_step_time=('train', 'step', 'median_ms'),
    train_memory=('train', 'peak_memory_mb'),
    infer_whole_time=('infer_whole', 'time', 'median_ms'),
    infer_whole_memory=('infer_whole', 'peak_memory_mb'),
    infer_slide_time=('infer_slide', 'time', 'median_ms'),
    infer_slide_memory=('infer_slide', 'peak_memory_mb'),
    loss_time=('loss', 'decode_head_ms'),
    params=('params', 'total'),
    flops=('flops', 'total'))


def lookup(entry: dict, path: Tuple[str, ...]) -> Optional[float]:
    """The number at ``path`` of a result entry, or None where missing."""
    value: Any = entry
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return float(value) if isinstance(value, (int, float)) else None


def merge_rounds(results: List[Any], key: str = '') -> Any:
    """Combine the results of the same measurement repeated in rounds.

    Numbers become their median over the rounds, ``times_ms`` lists are
    concatenated, dicts are merged key by key, anything else is taken from
    the first round; a dict with an ``error`` in any round stays that error.
    """
    first = results[0]
    if len(results) == 1:
        return first
    if all(isinstance(r, dict) for r in results):
        for result in results:
            if 'error' in result:
                return result
        keys = list(dict.fromkeys(k for r in results for k in r))
        return {
            k: merge_rounds([r[k] for r in results if k in r], k)
            for k in keys
        }
    if all(
            isinstance(r, (int, float)) and not isinstance(r, bool)
            for r in results):
        if all(r == first for r in results):
            return first
        return statistics.median(results)
    if key == 'times_ms':
        return [t for r in results for t in r]
    return first


def add_ratios(entries: List[dict]) -> None:
    """``entry['ratios'][name]``: value over the first config's (None
    where either is missing or the first is 0)."""
    first = entries[0]
    for entry in entries:
        ratios = {}
        for name, path in RATIO_KEYS.items():
            value, base = lookup(entry, path), lookup(first, path)
            ratios[name] = (
                value / base if value is not None and base else None)
        entry['ratios'] = ratios


def add_utilization(entry: dict, peak_tflops: Optional[float]) -> None:
    """Achieved training FLOP/s from counted FLOPs and images/s."""
    macs = lookup(entry, ('flops', 'total'))
    images_per_s = lookup(entry, ('train', 'images_per_s'))
    if macs is None or images_per_s is None:
        return
    # 2 FLOPs per multiply-add; backward ~ 2x forward.
    tflops = 2 * 3 * macs * images_per_s / 1e12
    entry['utilization'] = dict(
        achieved_tflops=tflops,
        mfu=tflops / peak_tflops if peak_tflops else None,
        peak_tflops=peak_tflops,
        assumption='train FLOPs = 3 x inference forward x 2 FLOPs per '
        'multiply-add; auxiliary heads and losses not counted')


def environment(device: str, threads: Optional[int]) -> Dict[str, Any]:
    """Versions and the device the numbers were taken on."""

    def version(dist: str) -> Optional[str]:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return None

    if device.startswith('cuda'):
        props = torch.cuda.get_device_properties(device)
        name, memory = props.name, props.total_memory / 1024**3
    else:
        name, memory = platform.processor() or 'cpu', None
        with contextlib.suppress(OSError), open('/proc/cpuinfo') as f:
            name = next((line.split(':', 1)[1].strip()
                         for line in f if line.startswith('model name')), name)
    return dict(
        date=datetime.datetime.now().isoformat(timespec='seconds'),
        python=platform.python_version(),
        platform=platform.platform(),
        torch=torch.__version__,
        cuda=torch.version.cuda,
        mmengine=version('mmengine'),
        mmsegmentation=version('mmsegmentation'),
        mmcv=version('mmcv') or version('mmcv-lite'),
        mmseg_ext=__version__,
        cpu_count=os.cpu_count(),
        torch_threads=threads or torch.get_num_threads(),
        device_name=name,
        device_memory_gb=memory)


def _cell(entry: dict,
          path: Tuple[str, ...],
          fmt: str,
          scale: float = 1.0) -> str:
    """A table cell: the number, ``n/a`` on error, ``-`` if not run."""
    head = entry.get(path[0])
    if head is None:
        return '-'
    if 'error' in head:
        return 'n/a'
    value = lookup(entry, path)
    return '-' if value is None else format(value * scale, fmt)


#: (header, path in the entry, format, scale, measurement) of the table.
TABLE_COLUMNS = (
    ('params (M)', ('params', 'total'), '.2f', 1e-6, 'params'),
    ('GFLOPs*', ('flops', 'total'), '.2f', 1e-9, 'flops'),
    ('train ms', ('train', 'step', 'median_ms'), '.1f', 1.0, 'train'),
    ('train img/s', ('train', 'images_per_s'), '.2f', 1.0, 'train'),
    ('x step', ('ratios', 'train_step_time'), '.2f', 1.0, 'train'),
    ('train MB', ('train', 'peak_memory_mb'), '.0f', 1.0, 'train'),
    ('x mem', ('ratios', 'train_memory'), '.2f', 1.0, 'train'),
    ('whole ms', ('infer_whole', 'time', 'median_ms'), '.1f', 1.0,
     'infer_whole'),
    ('whole img/s', ('infer_whole', 'images_per_s'), '.2f', 1.0,
     'infer_whole'),
    ('x whole', ('ratios', 'infer_whole_time'), '.2f', 1.0, 'infer_whole'),
    ('whole MB', ('infer_whole', 'peak_memory_mb'), '.0f', 1.0, 'infer_whole'),
    ('slide ms', ('infer_slide', 'time', 'median_ms'), '.1f', 1.0,
     'infer_slide'),
    ('x slide', ('ratios', 'infer_slide_time'), '.2f', 1.0, 'infer_slide'),
    ('loss %', ('loss', 'decode_head_fraction'), '.1f', 100.0, 'loss'),
    ('data img/s', ('data', 'images_per_s'), '.1f', 1.0, 'data'),
)


def format_table(results: Dict[str, Any]) -> str:
    """A Markdown pipe table (aligned, so readable in a terminal), the
    settings above it and the errors and definitions below it."""
    entries = results['configs']
    measured = set(results['settings']['measurements'])
    columns = [c for c in TABLE_COLUMNS if c[4] in measured]
    rows = [['config'] + [c[0] for c in columns]]
    for entry in entries:
        rows.append([entry['name']] + [
            _cell(entry, path, fmt, scale)
            for _, path, fmt, scale, _ in columns
        ])
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]

    def line(row: List[str]) -> str:
        cells = [
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths))
        ]
        return '| ' + ' | '.join(cells) + ' |'

    env, s = results['environment'], results['settings']
    text = [
        f"device: {s['device']} ({env['device_name']}), torch "
        f"{env['torch']}, {env['torch_threads']} threads",
        f"train: batch {s['batch_size']} at {s['input_size'][0]}x"
        f"{s['input_size'][1]}; inference: batch {s['infer_batch_size']} "
        f"at {s['infer_size'][0]}x{s['infer_size'][1]}; amp {s['amp']}, "
        f"channels_last {s['channels_last']}, compile {s['compile']}; "
        f"median of {s['iters']} timed after {s['warmup']} warm-up "
        'iterations' + (f", median over {s['rounds']} interleaved rounds"
                        if s['rounds'] > 1 else ''), '',
        line(rows[0]), '|' + '|'.join('-' * (w + 1) + (':' if i else '-')
                                      for i, w in enumerate(widths)) + '|'
    ]
    text += [line(row) for row in rows[1:]]
    notes = []
    for entry in entries:
        for name in MEASUREMENTS:
            if isinstance(entry.get(name), dict) and 'error' in entry[name]:
                notes.append(f"  {entry['name']} {name}: n/a "
                             f"({entry[name]['error']})")
    methods = sorted({
        entry[m]['memory']['method']
        for entry in entries
        for m in ('train', 'infer_whole', 'infer_slide')
        if isinstance(entry.get(m), dict) and 'memory' in entry[m]
    })
    text.append('')
    text += [f'peak memory: {m}' for m in methods]
    text.append('x columns: ratio to the first row; loss %: '
                'decode_head.loss_by_feat forward+backward / train step; '
                '* GFLOPs of one inference forward, 1 multiply-add = 1 FLOP')
    if notes:
        text += ['not measured:'] + notes
    return '\n'.join(text)
