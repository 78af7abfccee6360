# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Boundary IoU adapted to semantic segmentation."""
from collections import OrderedDict
from typing import Dict, Optional, Sequence

import cv2
import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log
from mmseg.registry import METRICS

from .boundary_utils import (ABSENT_RULES, UNITS, check_choice, class_mean,
                             class_scores, image_diagonal, log_class_table,
                             read_label_maps)


def boundary_bands(label: np.ndarray, valid: np.ndarray, width: int,
                   num_classes: int) -> np.ndarray:
    """Boundary bands of width d of every class of a label map: the
    pixels of a class with a valid pixel of another label within chessboard
    distance d (ignore pixels and the image border create no band).

    Args:
        label (np.ndarray): (H, W) labels, in [0, C) where valid.
        valid (np.ndarray): (H, W) bool, pixels that exist.
        width (int): Band width d in pixels (>= 1).
        num_classes (int): C.

    Returns:
        np.ndarray: (H, W) bool, pixels lying in the band of their class.
    """
    # Labels shifted by one; invalid pixels get 0 for the maximum and the
    # dtype's top value for the minimum, so they never decide either.
    dtype = np.uint8 if num_classes < 255 else np.float32
    shifted = label.astype(dtype) + 1
    top = np.iinfo(dtype).max if dtype == np.uint8 else np.inf
    highest = np.where(valid, shifted, 0).astype(dtype)
    lowest = np.where(valid, shifted, top).astype(dtype)
    kernel = np.ones((2 * width + 1, 2 * width + 1), dtype=np.uint8)
    # OpenCV's default border value leaves out-of-image pixels out of the
    # maximum and minimum.
    window_max = cv2.dilate(highest, kernel)
    window_min = cv2.erode(lowest, kernel)
    return valid & (window_max != window_min)


def boundary_iou_counts(pred: np.ndarray, gt: np.ndarray, valid: np.ndarray,
                        num_classes: int, width: int) -> np.ndarray:
    """Per-class band areas of one image.

    Args:
        pred (np.ndarray): (H, W) predicted labels in [0, C) where valid.
        gt (np.ndarray): (H, W) ground-truth labels in [0, C) where valid.
        valid (np.ndarray): (H, W) bool, pixels to evaluate.
        num_classes (int): C.
        width (int): Band width d in pixels.

    Returns:
        np.ndarray: (3, C) int64: |G_d n P_d|, |G_d| and |P_d| per class.
    """
    if pred.size == 0:
        return np.zeros((3, num_classes), dtype=np.int64)
    gt_band = boundary_bands(gt, valid, width, num_classes)
    pred_band = boundary_bands(pred, valid, width, num_classes)
    both = gt_band & pred_band & (gt == pred)
    # One bincount per set; pixels outside the set go to the extra bin C.
    rows = [
        np.bincount(
            np.where(band, labels, num_classes).ravel(),
            minlength=num_classes + 1)[:num_classes]
        for band, labels in ((both, gt), (gt_band, gt), (pred_band, pred))
    ]
    return np.stack(rows).astype(np.int64)


@METRICS.register_module()
class BoundaryIoU(BaseMetric):
    """Boundary IoU for semantic segmentation.

    `Boundary IoU <https://arxiv.org/abs/2103.16562>`_ (Cheng et al., CVPR
    2021) per class of a semantic map: IoU of the ground-truth and predicted
    bands of width d, areas summed over the dataset, averaged over classes.
    Key ``BIoU``, in percent (docs/metrics.md).

    Args:
        band_width (float): d; a fraction of the image diagonal by default
            (0.02, the paper's), else pixels.
        band_width_unit (str): ``'diagonal'`` (default) or ``'pixel'``.
        absent (str): Classes without bands over the set: ``'skip'``
            (default) or ``'one'`` (score 100).
        ignore_index (int): Ground-truth label not evaluated. Default 255.
        collect_device (str): ``'cpu'`` or ``'gpu'``. Default ``'cpu'``.
        prefix (str, optional): Prefix of the metric keys. Default None.
    """

    def __init__(self,
                 band_width: float = 0.02,
                 band_width_unit: str = 'diagonal',
                 absent: str = 'skip',
                 ignore_index: int = 255,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        owner = type(self).__name__
        check_choice(owner, 'band_width_unit', band_width_unit, UNITS)
        check_choice(owner, 'absent', absent, ABSENT_RULES)
        if band_width_unit == 'pixel' and (band_width < 1
                                           or band_width != int(band_width)):
            raise ValueError(f'{owner}: band_width in pixels must be an '
                             f'integer >= 1, got {band_width}')
        if band_width <= 0:
            raise ValueError(f'{owner}: band_width must be positive, got '
                             f'{band_width}')
        self.band_width = band_width
        self.band_width_unit = band_width_unit
        self.absent = absent
        self.ignore_index = ignore_index

    def width(self, shape: Sequence[int]) -> int:
        """Band width d in pixels for an (H, W) image."""
        if self.band_width_unit == 'pixel':
            return int(self.band_width)
        return max(1, int(round(self.band_width * image_diagonal(shape))))

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Store the (3, C) band areas and the band width of each sample."""
        if not self.dataset_meta or 'classes' not in self.dataset_meta:
            raise ValueError(f'{type(self).__name__}: dataset_meta with '
                             "'classes' is needed (set by the Evaluator)")
        num_classes = len(self.dataset_meta['classes'])
        for data_sample in data_samples:
            pred, gt, valid = read_label_maps(data_sample, num_classes,
                                              self.ignore_index,
                                              type(self).__name__)
            width = self.width(gt.shape)
            self.results.append(
                (boundary_iou_counts(pred, gt, valid, num_classes,
                                     width), width))

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """``{'BIoU': class mean in percent}`` of the summed band areas.

        Args:
            results (list): ``(counts, width)`` pairs from :meth:`process`.
        """
        num_classes = len(self.dataset_meta['classes'])
        counts = np.zeros((3, num_classes), dtype=np.int64)
        for sample_counts, _ in results:
            counts += sample_counts
        intersection = counts[0]
        union = counts[1] + counts[2] - intersection
        present = union > 0
        iou = class_scores(intersection, union)
        if results:
            widths = [w for _, w in results]
            print_log(
                f'Boundary IoU band width over {len(widths)} images: '
                f'{min(widths)}-{max(widths)} px',
                logger=MMLogger.get_current_instance())
        log_class_table('per class Boundary IoU', self.dataset_meta['classes'],
                        {'BIoU': iou}, present)
        return OrderedDict(
            BIoU=class_mean(iou, present, ~present, self.absent))
