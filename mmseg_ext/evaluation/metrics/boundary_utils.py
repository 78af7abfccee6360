# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Helpers shared by the boundary metrics.

Conventions of :class:`BoundaryIoU` and the pooled :class:`BoundaryFScore`
(docs/metrics.md): ignore pixels and the image border create no boundary;
counts are summed over the set before ratios; classes with nothing to
score are handled per ``absent``; a mean over nothing is 100.
"""
import math
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.logging import MMLogger, print_log
from prettytable import PrettyTable
from scipy.spatial import cKDTree

ABSENT_RULES = ('skip', 'one')
UNITS = ('diagonal', 'pixel')


def check_choice(owner: str, name: str, value: str,
                 choices: Sequence[str]) -> None:
    """Raise a ``ValueError`` naming ``owner`` unless ``value`` is allowed."""
    if value not in choices:
        raise ValueError(f'{owner}: {name} must be one of {tuple(choices)}, '
                         f'got {value!r}')


def image_diagonal(shape: Tuple[int, int]) -> float:
    """Length of the diagonal of an (H, W) image, in pixels."""
    return math.hypot(shape[0], shape[1])


def tolerance_name(value: float, unit: str) -> str:
    """Metric-key suffix of a tolerance: ``'3px'`` or ``'0.375%diag'``."""
    if unit == 'pixel':
        return f'{value:g}px'
    return f'{value * 100:g}%diag'


def read_label_maps(data_sample: dict, num_classes: int, ignore_index: int,
                    owner: str) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fetch and check the predicted and ground-truth maps of one sample.

    Args:
        data_sample (dict): With ``pred_sem_seg.data`` and
            ``gt_sem_seg.data``, (1, H, W) or (H, W).
        num_classes (int): C.
        ignore_index (int): Ground-truth label of pixels not evaluated.
        owner (str): Metric name for error messages.

    Returns:
        tuple: ``pred``, ``gt`` ((H, W), 0 at invalid pixels) and ``valid``
        ((H, W) bool).
    """
    maps = []
    for key in ('pred_sem_seg', 'gt_sem_seg'):
        if key not in data_sample:
            raise KeyError(f'{owner}: the data sample has no {key!r} '
                           f'(keys: {sorted(data_sample)})')
        data = data_sample[key]['data']
        if hasattr(data, 'cpu'):
            data = data.cpu().numpy()
        data = np.asarray(data)
        if data.ndim == 3 and data.shape[0] == 1:
            data = data[0]
        if data.ndim != 2:
            raise ValueError(f'{owner}: {key} must have shape (1, H, W) or '
                             f'(H, W), got {tuple(data.shape)}')
        maps.append(data.astype(np.int64, copy=False))
    pred, gt = maps
    if pred.shape != gt.shape:
        raise ValueError(f'{owner}: pred_sem_seg {pred.shape} and gt_sem_seg '
                         f'{gt.shape} differ in size')
    valid = gt != ignore_index
    # Invalid pixels get label 0; every use of the maps is gated by `valid`.
    compact = np.uint8 if num_classes < 255 else np.int32
    checked = []
    for key, labels in (('pred_sem_seg', pred), ('gt_sem_seg', gt)):
        labels = np.where(valid, labels, 0)
        if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
            bad = labels[(labels < 0) | (labels >= num_classes)][0]
            raise ValueError(
                f'{owner}: {key} holds label {bad}, outside [0, '
                f'{num_classes}) and not ignore_index {ignore_index}')
        checked.append(labels.astype(compact))
    return checked[0], checked[1], valid


def matched_counts(query: np.ndarray, reference: np.ndarray,
                   radii: Sequence[float]) -> np.ndarray:
    """(T,) int64 counts of the (N, 2) ``query`` points lying within each of
    the T ``radii`` (pixels) of some (M, 2) ``reference`` point.
    """
    if len(query) == 0 or len(reference) == 0:
        return np.zeros(len(radii), dtype=np.int64)
    # Nearest-neighbour search on the boundary points only: its cost grows
    # with the boundary length, not the image area (a distance transform
    # per class costs O(H x W) each). Lattice distances are square roots of
    # integers, so `max + 1` safely bounds the search.
    distance, _ = cKDTree(reference).query(
        query, distance_upper_bound=max(radii) + 1)
    return np.array([(distance <= r).sum() for r in radii], dtype=np.int64)


def class_scores(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """Elementwise ratio; 1 where the denominator is 0 (undefined)."""
    out = np.ones(numerator.shape, dtype=np.float64)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out


def class_mean(scores: np.ndarray, defined: np.ndarray,
               absent_classes: np.ndarray, absent: str) -> float:
    """Mean over classes in percent (2 decimals; 100 over nothing).

    Args:
        scores (np.ndarray): (C,) per-class scores in [0, 1].
        defined (np.ndarray): (C,) bool, classes whose score is defined.
        absent_classes (np.ndarray): (C,) bool, classes with nothing to score.
        absent (str): ``'skip'`` leaves them out, ``'one'`` counts them as 1.

    Returns:
        float: The mean in percent.
    """
    values = scores[defined]
    if absent == 'one':
        values = np.concatenate([values, np.ones(int(absent_classes.sum()))])
    if values.size == 0:
        return 100.0
    return round(float(values.mean()) * 100, 2)


def log_class_table(title: str, class_names: Sequence[str],
                    columns: Dict[str,
                                  np.ndarray], present: np.ndarray) -> None:
    """Print a per-class table in percent; absent classes show ``-``."""
    table = PrettyTable()
    table.add_column('Class', list(class_names))
    for name, values in columns.items():
        cells: List[str] = [
            f'{v * 100:.2f}' if p else '-' for v, p in zip(values, present)
        ]
        table.add_column(name, cells)
    logger: Optional[MMLogger] = MMLogger.get_current_instance()
    print_log(f'{title}:\n' + table.get_string(), logger=logger)
