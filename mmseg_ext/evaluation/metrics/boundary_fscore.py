# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Boundary F-score of semantic segmentation (GSCNN's boundary metric)."""
import math
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log
from mmseg.registry import METRICS
from scipy.spatial import cKDTree

from .boundary_utils import (ABSENT_RULES, UNITS, check_choice, class_mean,
                             class_scores, image_diagonal, log_class_table,
                             read_label_maps, tolerance_name)


def class_boundaries(label: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """1-pixel inner boundaries of every class of a label map.

    A pixel is a boundary pixel of its own class when one of its four
    neighbours is valid and carries another label. Changes to invalid
    (ignore) pixels and the image border are not boundaries.

    Args:
        label (np.ndarray): (H, W) integer label map.
        valid (np.ndarray): (H, W) bool, pixels that exist.

    Returns:
        np.ndarray: (H, W) bool boundary map.
    """
    edge = np.zeros(label.shape, dtype=bool)
    for axis in (0, 1):
        head = [slice(None), slice(None)]
        tail = [slice(None), slice(None)]
        head[axis], tail[axis] = slice(1, None), slice(None, -1)
        head, tail = tuple(head), tuple(tail)
        change = (label[head] != label[tail]) & valid[head] & valid[tail]
        edge[head] |= change
        edge[tail] |= change
    return edge


def _points_by_class(edge: np.ndarray, label: np.ndarray,
                     num_classes: int) -> List[np.ndarray]:
    """Split the (y, x) boundary coordinates by class: C arrays (N_c, 2)."""
    ys, xs = np.nonzero(edge)
    classes = label[ys, xs]
    order = np.argsort(classes, kind='stable')
    points = np.stack([ys[order], xs[order]], axis=1)
    cuts = np.searchsorted(classes[order], np.arange(num_classes + 1))
    return [points[cuts[c]:cuts[c + 1]] for c in range(num_classes)]


def _matched_counts(query: np.ndarray, reference: np.ndarray,
                    radii: Sequence[float]) -> np.ndarray:
    """How many query points lie within each radius of a reference point.

    Args:
        query (np.ndarray): (N, 2) pixel coordinates.
        reference (np.ndarray): (M, 2) pixel coordinates.
        radii (Sequence[float]): T matching radii in pixels.

    Returns:
        np.ndarray: (T,) int64 counts.
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


def boundary_match_counts(pred: np.ndarray, gt: np.ndarray, valid: np.ndarray,
                          num_classes: int,
                          radii: Sequence[float]) -> np.ndarray:
    """Per-class boundary counts of one image.

    Args:
        pred (np.ndarray): (H, W) predicted labels in [0, C) where valid.
        gt (np.ndarray): (H, W) ground-truth labels in [0, C) where valid.
        valid (np.ndarray): (H, W) bool, pixels to evaluate.
        num_classes (int): C.
        radii (Sequence[float]): T matching radii r in pixels; two boundary
            pixels of a class match when their Euclidean distance is <= r.

    Returns:
        np.ndarray: (2 + 2T, C) int64: row 0 the predicted boundary pixels,
        row 1 the ground-truth boundary pixels, rows 2..T+1 the predicted
        ones matched within each radius (precision numerators), rows
        T+2..2T+1 the ground-truth ones matched (recall numerators).
    """
    num_radii = len(radii)
    counts = np.zeros((2 + 2 * num_radii, num_classes), dtype=np.int64)
    if pred.size == 0:
        return counts
    pred_points = _points_by_class(
        class_boundaries(pred, valid), pred, num_classes)
    gt_points = _points_by_class(class_boundaries(gt, valid), gt, num_classes)
    for c in range(num_classes):
        counts[0, c] = len(pred_points[c])
        counts[1, c] = len(gt_points[c])
        counts[2:2 + num_radii, c] = _matched_counts(pred_points[c],
                                                     gt_points[c], radii)
        counts[2 + num_radii:, c] = _matched_counts(gt_points[c],
                                                    pred_points[c], radii)
    return counts


@METRICS.register_module()
class BoundaryFScore(BaseMetric):
    """Boundary F-score for semantic segmentation.

    The boundary metric of `Gated-SCNN: Gated Shape CNNs for Semantic
    Segmentation <https://arxiv.org/abs/1907.05740>`_ (ICCV 2019), after the
    DAVIS contour accuracy. For every image and class, the 1-pixel inner
    boundaries of the predicted and ground-truth class masks are matched
    within a radius r: precision is the share of predicted boundary pixels
    with a ground-truth boundary pixel of the same class within r, recall
    the converse. Pixels labelled ``ignore_index`` are never boundary
    pixels. The matched and total counts are summed over the dataset before
    P, R and F = 2PR / (P + R) are formed per class (GSCNN instead averages
    per-image F); a class with boundary pixels in only one map scores F = 0.
    The class means are reported in percent, F over the classes with
    boundary pixels in either map, P over those with predicted ones and R
    over those with ground-truth ones (as ``IoUMetric`` skips undefined
    ratios), one key per tolerance:
    ``BF@<t>`` (F), ``BP@<t>`` (precision), ``BR@<t>`` (recall), e.g.
    ``BF@0.375%diag`` or, with ``tolerance_unit='pixel'``, ``BF@3px``. Use
    them in ``save_best`` with ``rule='greater'``.

    Args:
        tolerances (Sequence[float]): Matching radii. With the default unit,
            fractions of the image diagonal, r = ceil(t x diagonal) per
            image: the defaults (0.00125, 0.001875, 0.00375, 0.005) give
            3, 5, 9 and 12 px at 1024x2048 (diagonal 2289.7 px), the
            tolerances of the GSCNN paper (its code's first fraction,
            0.0005, gives 2 px; 0.00125 gives the paper's 3 px).
        tolerance_unit (str): ``'diagonal'`` (default) or ``'pixel'`` (the
            tolerances are radii in pixels).
        absent (str): Classes without any boundary pixel in either map over
            the whole set: ``'skip'`` (default) leaves them out of the class
            mean, ``'one'`` scores them 100 as GSCNN does.
        ignore_index (int): Ground-truth label of pixels not evaluated.
            Defaults to 255.
        collect_device (str): ``'cpu'`` or ``'gpu'``, where per-rank results
            are gathered. Defaults to ``'cpu'``.
        prefix (str, optional): Prefix of the metric keys. Defaults to None.
    """

    def __init__(self,
                 tolerances: Sequence[float] = (0.00125, 0.001875, 0.00375,
                                                0.005),
                 tolerance_unit: str = 'diagonal',
                 absent: str = 'skip',
                 ignore_index: int = 255,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        owner = type(self).__name__
        check_choice(owner, 'tolerance_unit', tolerance_unit, UNITS)
        check_choice(owner, 'absent', absent, ABSENT_RULES)
        tolerances = tuple(float(t) for t in tolerances)
        if not tolerances or min(tolerances) < 0:
            raise ValueError(f'{owner}: tolerances must be a non-empty list '
                             f'of non-negative numbers, got {tolerances}')
        names = [tolerance_name(t, tolerance_unit) for t in tolerances]
        if len(set(names)) != len(names):
            raise ValueError(f'{owner}: duplicate tolerances {tolerances}')
        self.tolerances = tolerances
        self.tolerance_unit = tolerance_unit
        self.tolerance_names = names
        self.absent = absent
        self.ignore_index = ignore_index

    def radii(self, shape: Sequence[int]) -> List[float]:
        """Matching radii in pixels for an (H, W) image."""
        if self.tolerance_unit == 'pixel':
            return list(self.tolerances)
        diagonal = image_diagonal(shape)
        # The 1e-9 keeps float noise in t x diagonal from adding a pixel.
        return [float(math.ceil(t * diagonal - 1e-9)) for t in self.tolerances]

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Store the (2 + 2T, C) boundary counts and radii of each sample."""
        if not self.dataset_meta or 'classes' not in self.dataset_meta:
            raise ValueError(f'{type(self).__name__}: dataset_meta with '
                             "'classes' is needed (set by the Evaluator)")
        num_classes = len(self.dataset_meta['classes'])
        for data_sample in data_samples:
            pred, gt, valid = read_label_maps(data_sample, num_classes,
                                              self.ignore_index,
                                              type(self).__name__)
            radii = self.radii(gt.shape)
            counts = boundary_match_counts(pred, gt, valid, num_classes, radii)
            self.results.append((counts, np.array(radii)))

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """P, R and F per class from summed counts; class means in percent.

        Args:
            results (list): ``(counts, radii)`` pairs from :meth:`process`.

        Returns:
            dict[str, float]: ``BF@<t>``, ``BP@<t>`` and ``BR@<t>`` for
            every tolerance t.
        """
        num_radii = len(self.tolerances)
        num_classes = len(self.dataset_meta['classes'])
        counts = np.zeros((2 + 2 * num_radii, num_classes), dtype=np.int64)
        for sample_counts, _ in results:
            counts += sample_counts
        radii = np.array([r for _, r in results]).reshape(-1, num_radii)
        pred_total, gt_total = counts[0], counts[1]
        present = (pred_total + gt_total) > 0
        metrics: Dict[str, float] = OrderedDict()
        table = OrderedDict()
        for i, name in enumerate(self.tolerance_names):
            precision = class_scores(counts[2 + i], pred_total)
            recall = class_scores(counts[2 + num_radii + i], gt_total)
            # Boundaries in one map only give F = 0 (P or R is 0).
            fscore = np.zeros(num_classes)
            np.divide(
                2 * precision * recall,
                precision + recall,
                out=fscore,
                where=(precision + recall) > 0)
            fscore[(pred_total == 0) | (gt_total == 0)] = 0.0
            metrics[f'BF@{name}'] = class_mean(fscore, present, ~present,
                                               self.absent)
            metrics[f'BP@{name}'] = class_mean(precision, pred_total > 0,
                                               ~present, self.absent)
            metrics[f'BR@{name}'] = class_mean(recall, gt_total > 0, ~present,
                                               self.absent)
            table[f'BF@{name}'] = fscore
        if len(radii):
            used = ', '.join(
                f'{name}: {lo:g}-{hi:g} px' for name, lo, hi in zip(
                    self.tolerance_names, radii.min(0), radii.max(0)))
            print_log(
                f'boundary F-score radii over {len(radii)} images: '
                f'{used}',
                logger=MMLogger.get_current_instance())
        log_class_table('per class boundary F-score',
                        self.dataset_meta['classes'], table, present)
        return metrics
