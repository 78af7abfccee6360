# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Boundary F-score of semantic segmentation (GSCNN's boundary metric)."""
import math
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log
from mmseg.registry import METRICS

from .boundary_utils import (ABSENT_RULES, UNITS, check_choice, class_mean,
                             class_scores, image_diagonal, log_class_table,
                             read_label_maps, tolerance_name)
from .gscnn_boundary import gscnn_image_fscores, gscnn_radii
from .pooled_boundary import boundary_match_counts

PROTOCOLS = ('pooled', 'gscnn')


@METRICS.register_module()
class BoundaryFScore(BaseMetric):
    """Boundary F-score for semantic segmentation.

    The boundary metric of `Gated-SCNN <https://arxiv.org/abs/1907.05740>`_,
    after the DAVIS contour accuracy: boundary pixels of each class are matched
    within a radius r between prediction and ground truth; P and R are the
    matched shares, F = 2PR / (P + R). Protocols (docs/metrics.md):

    * ``'pooled'`` (default): 1-pixel inner boundaries, counts summed over
      the dataset per class; keys ``BF@<t>``, ``BP@<t>``, ``BR@<t>``.
    * ``'gscnn'``: the official evaluation (:mod:`.gscnn_boundary`), F per
      image and class averaged over images; key ``gscnn/BF@<t>``.

    Keys are class means in percent; use ``rule='greater'`` in ``save_best``.

    Args:
        tolerances (Sequence[float]): Matching radii; fractions of the image
            diagonal by default (the defaults give the paper's 3, 5, 9 and
            12 px at 1024x2048).
        tolerance_unit (str): ``'diagonal'`` (default) or ``'pixel'``.
        protocol (str): ``'pooled'`` (default) or ``'gscnn'``.
        absent (str, optional): ``'pooled'`` only: classes without boundary
            pixels in either map over the set are left out (``'skip'``,
            default) or score 100 (``'one'``).
        ignore_index (int): Ground-truth label not evaluated. Default 255.
        collect_device (str): ``'cpu'`` or ``'gpu'``. Default ``'cpu'``.
        prefix (str, optional): Prefix of the metric keys. Default None
            (``'gscnn'`` with that protocol).
    """

    def __init__(self,
                 tolerances: Sequence[float] = (0.00125, 0.001875, 0.00375,
                                                0.005),
                 tolerance_unit: str = 'diagonal',
                 protocol: str = 'pooled',
                 absent: Optional[str] = None,
                 ignore_index: int = 255,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        owner = type(self).__name__
        check_choice(owner, 'protocol', protocol, PROTOCOLS)
        if protocol == 'gscnn' and prefix is None:
            prefix = 'gscnn'
        super().__init__(collect_device=collect_device, prefix=prefix)
        check_choice(owner, 'tolerance_unit', tolerance_unit, UNITS)
        if protocol == 'pooled':
            absent = 'skip' if absent is None else absent
            check_choice(owner, 'absent', absent, ABSENT_RULES)
        elif absent is not None:
            raise ValueError(
                f"{owner}: absent must be None with protocol='gscnn' (a "
                'class absent from both maps of an image scores F = 1 '
                f'there), got {absent!r}')
        tolerances = tuple(float(t) for t in tolerances)
        if not tolerances or min(tolerances) < 0:
            raise ValueError(f'{owner}: tolerances must be a non-empty list '
                             f'of non-negative numbers, got {tolerances}')
        if protocol == 'gscnn':
            self._check_gscnn_tolerances(tolerances, tolerance_unit)
        names = [tolerance_name(t, tolerance_unit) for t in tolerances]
        if len(set(names)) != len(names):
            raise ValueError(f'{owner}: duplicate tolerances {tolerances}')
        self.tolerances = tolerances
        self.tolerance_unit = tolerance_unit
        self.tolerance_names = names
        self.protocol = protocol
        self.absent = absent
        self.ignore_index = ignore_index

    def _check_gscnn_tolerances(self, tolerances: Sequence[float],
                                unit: str) -> None:
        """GSCNN's disk is defined for integer pixel radii only."""
        owner = type(self).__name__
        if unit == 'pixel' and any(t != int(t) for t in tolerances):
            raise ValueError(
                f"{owner}: protocol='gscnn' needs integer pixel radii "
                f'(its disk footprint), got {tolerances}')
        if unit == 'diagonal' and max(tolerances) >= 1:
            raise ValueError(
                f"{owner}: protocol='gscnn' with tolerance_unit='diagonal' "
                f'needs fractions below 1 (GSCNN reads t >= 1 as pixels: '
                f"use tolerance_unit='pixel'), got {tolerances}")

    def radii(self, shape: Sequence[int]) -> List[float]:
        """Matching radii in pixels for an (H, W) image."""
        if self.protocol == 'gscnn':
            return [
                float(r) for r in gscnn_radii(self.tolerances,
                                              self.tolerance_unit, shape)
            ]
        if self.tolerance_unit == 'pixel':
            return list(self.tolerances)
        diagonal = image_diagonal(shape)
        # The 1e-9 keeps float noise in t x diagonal from adding a pixel.
        return [float(math.ceil(t * diagonal - 1e-9)) for t in self.tolerances]

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Store per-image results and radii: (2 + 2T, C) boundary counts
        (``'pooled'``) or (T, C) F-scores (``'gscnn'``)."""
        if not self.dataset_meta or 'classes' not in self.dataset_meta:
            raise ValueError(f'{type(self).__name__}: dataset_meta with '
                             "'classes' is needed (set by the Evaluator)")
        num_classes = len(self.dataset_meta['classes'])
        for data_sample in data_samples:
            pred, gt, valid = read_label_maps(data_sample, num_classes,
                                              self.ignore_index,
                                              type(self).__name__)
            radii = self.radii(gt.shape)
            if self.protocol == 'gscnn':
                result = gscnn_image_fscores(pred, gt, valid, num_classes,
                                             [int(r) for r in radii])
            else:
                result = boundary_match_counts(pred, gt, valid, num_classes,
                                               radii)
            self.results.append((result, np.array(radii)))

    def gscnn_class_fscores(self, results: list) -> np.ndarray:
        """GSCNN protocol: (T, C) float64 per-class F averaged over the images
        of ``results`` (``(fscores, radii)`` pairs; 1 without images).
        """
        num_classes = len(self.dataset_meta['classes'])
        if not results:
            return np.ones((len(self.tolerances), num_classes))
        return np.mean([fscores for fscores, _ in results], axis=0)

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """Class means in percent of ``results`` (``(result, radii)`` pairs):
        ``BF@<t>`` (and ``BP@<t>``, ``BR@<t>`` with ``protocol='pooled'``).
        """
        radii = np.array([r for _, r in results
                          ]).reshape(-1, len(self.tolerances))
        if len(radii):
            used = ', '.join(
                f'{name}: {lo:g}-{hi:g} px' for name, lo, hi in zip(
                    self.tolerance_names, radii.min(0), radii.max(0)))
            print_log(
                f'boundary F-score ({self.protocol} protocol) radii over '
                f'{len(radii)} images: {used}',
                logger=MMLogger.get_current_instance())
        if self.protocol == 'gscnn':
            return self._gscnn_metrics(results)
        return self._pooled_metrics(results)

    def _gscnn_metrics(self, results: list) -> Dict[str, float]:
        """Mean over images, then over classes (every class counts)."""
        fscores = self.gscnn_class_fscores(results)
        classes = self.dataset_meta['classes']
        metrics: Dict[str, float] = OrderedDict()
        table = OrderedDict()
        for i, name in enumerate(self.tolerance_names):
            metrics[f'BF@{name}'] = round(float(fscores[i].mean()) * 100, 2)
            table[f'BF@{name}'] = fscores[i]
        log_class_table('per class boundary F-score (gscnn protocol)', classes,
                        table, np.ones(len(classes), dtype=bool))
        return metrics

    def _pooled_metrics(self, results: list) -> Dict[str, float]:
        """P, R and F per class from the counts summed over the dataset."""
        num_radii = len(self.tolerances)
        num_classes = len(self.dataset_meta['classes'])
        counts = np.zeros((2 + 2 * num_radii, num_classes), dtype=np.int64)
        for sample_counts, _ in results:
            counts += sample_counts
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
        log_class_table('per class boundary F-score',
                        self.dataset_meta['classes'], table, present)
        return metrics
