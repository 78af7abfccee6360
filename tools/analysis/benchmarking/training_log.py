# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Read the scalar logs mmengine writes for a training run.

``tools/train.py`` logs to ``WORK_DIR/<timestamp>/vis_data/scalars.json``,
one JSON object per line: training lines carry ``iter`` (and ``loss``,
``time``, ``data_time``, ...), validation lines the metrics and ``step``
without ``iter``. A resumed run has one timestamp folder per launch: they
are read in order, and a later launch replaces what an earlier one logged
from its first iteration on (the iterations it re-ran after the resume).
"""
import glob
import json
import os.path as osp
from typing import Dict, List, Tuple

#: Scalar name -> (iteration, value) pairs in order.
Series = Dict[str, List[Tuple[int, float]]]

#: Training scalars kept from ``iter`` lines.
TRAIN_KEYS = ('loss', 'decode.loss_ce', 'time', 'data_time')
#: Bookkeeping fields of validation lines that are not metrics.
_VAL_SKIP = ('step', 'time', 'data_time')


def read_log(path: str) -> Tuple[Series, Series]:
    """Training and validation series of one ``scalars.json``.

    Raises:
        ValueError: A line is not JSON (names the file and line).
    """
    train: Series = {}
    val: Series = {}
    with open(path) as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                entry = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f'{path}:{number}: not JSON ({error})')
            if 'iter' in entry:
                for key in TRAIN_KEYS:
                    if isinstance(entry.get(key), (int, float)):
                        train.setdefault(key, []).append(
                            (int(entry['iter']), float(entry[key])))
            elif 'step' in entry:
                for key, value in entry.items():
                    if key in _VAL_SKIP or not isinstance(value, (int, float)):
                        continue
                    val.setdefault(key, []).append(
                        (int(entry['step']), float(value)))
    return train, val


def read_scalars(work_dir: str) -> Tuple[Series, Series]:
    """Training and validation series of a run, resumed launches merged.

    Args:
        work_dir (str): The run's work directory.

    Returns:
        tuple[dict, dict]: ``train`` (:data:`TRAIN_KEYS`) and ``val`` (every
        metric: ``mIoU``, ``BF@...``, ...), each a :data:`Series`.

    Raises:
        FileNotFoundError: No ``<timestamp>/vis_data/scalars.json`` under
            ``work_dir``.
        ValueError: A log line is not JSON.
    """
    paths = sorted(
        glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))
    if not paths:
        raise FileNotFoundError(
            'no <timestamp>/vis_data/scalars.json under '
            f'{work_dir!r}: is it a work dir of tools/train.py?')
    train: Series = {}
    val: Series = {}
    for path in paths:
        new_train, new_val = read_log(path)
        firsts = [s[0][0] for s in (*new_train.values(), *new_val.values())]
        if not firsts:
            continue
        start = min(firsts)
        for merged, new in ((train, new_train), (val, new_val)):
            for key in list(merged):
                merged[key] = [p for p in merged[key] if p[0] < start]
            for key, points in new.items():
                merged.setdefault(key, []).extend(points)
    return train, val
