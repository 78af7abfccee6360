# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Per-image boundary F-scores in Gated-SCNN's evaluation protocol.

`Gated-SCNN <https://arxiv.org/abs/1907.05740>`_ applies the DAVIS contour
accuracy (Perazzi et al., CVPR 2016) to every class of a semantic map:
``seg2bmap`` boundaries of the class masks (ignore pixels as background),
matched within integer radii; a class absent from both maps scores 1.
docs/metrics.md ("The two protocols") gives the definitions.
"""
from typing import List, Sequence, Tuple

import numpy as np

from .boundary_utils import matched_counts


def class_boundary_points(label: np.ndarray,
                          num_classes: int) -> List[np.ndarray]:
    """DAVIS ``seg2bmap`` boundary pixels of every class mask at once.

    A pixel is on the boundary of class c when a forward neighbour (right,
    below, below-right) carries another label and one of the two is c.

    Args:
        label (np.ndarray): (H, W) labels in [0, C]; C marks ignore pixels.
        num_classes (int): C.

    Returns:
        list[np.ndarray]: C arrays (N_c, 2) of (y, x) boundary pixels.
    """
    h, w = label.shape
    dtype = np.int16 if num_classes < np.iinfo(np.int16).max else np.int64
    label = label.astype(dtype, copy=False)
    # Label of the forward neighbour q = p + (dy, dx) where it differs
    # from p's, else -1: right, below and below-right. A pixel without
    # that neighbour gets -1, which gives seg2bmap's last-row, last-column
    # and corner rules.
    neighbours = []
    for dy, dx in ((0, 1), (1, 0), (1, 1)):
        here, there = label[:h - dy, :w - dx], label[dy:, dx:]
        other = np.full((h, w), -1, dtype=dtype)
        other[:h - dy, :w - dx] = np.where(here != there, there, -1)
        neighbours.append(other)
    right, below, diagonal = neighbours
    # Each (pixel, class) pair once: a neighbour label already listed by
    # an earlier neighbour of the same pixel is skipped.
    pairs = ((label, (right >= 0) | (below >= 0) | (diagonal >= 0)),
             (right, right >= 0), (below, (below >= 0) & (below != right)),
             (diagonal,
              (diagonal >= 0) & (diagonal != right) & (diagonal != below)))
    flat, classes = [], []
    for labels, keep in pairs:
        index = np.flatnonzero(keep)
        flat.append(index)
        classes.append(labels.ravel()[index])
    flat, classes = np.concatenate(flat), np.concatenate(classes)
    order = np.argsort(classes, kind='stable')
    flat, classes = flat[order], classes[order]
    points = np.stack([flat // w, flat % w], axis=1)
    # Label C (ignore pixels) sorts last and is left out.
    cuts = np.searchsorted(classes, np.arange(num_classes + 1))
    return [points[cuts[c]:cuts[c + 1]] for c in range(num_classes)]


def gscnn_image_fscores(pred: np.ndarray, gt: np.ndarray, valid: np.ndarray,
                        num_classes: int, radii: Sequence[int]) -> np.ndarray:
    """Boundary F-score of every class of one image, GSCNN's protocol.

    Args:
        pred (np.ndarray): (H, W) predicted labels in [0, C) where valid.
        gt (np.ndarray): (H, W) ground-truth labels in [0, C) where valid.
        valid (np.ndarray): (H, W) bool, ground truth not ``ignore_index``.
        num_classes (int): C.
        radii (Sequence[int]): T integer matching radii in pixels.

    Returns:
        np.ndarray: (T, C) float64 F-scores in [0, 1].
    """
    fscores = np.ones((len(radii), num_classes), dtype=np.float64)
    if pred.size == 0:
        return fscores
    outside = np.int64(num_classes)
    pred_points = class_boundary_points(
        np.where(valid, pred.astype(np.int64), outside), num_classes)
    gt_points = class_boundary_points(
        np.where(valid, gt.astype(np.int64), outside), num_classes)
    for c in range(num_classes):
        fscores[:, c] = _fscores(pred_points[c], gt_points[c], radii)
    return fscores


def _fscores(pred_points: np.ndarray, gt_points: np.ndarray,
             radii: Sequence[int]) -> np.ndarray:
    """F per radius of one class mask pair from its boundary pixels."""
    num_pred, num_gt = len(pred_points), len(gt_points)
    if num_pred == 0 and num_gt == 0:
        return np.ones(len(radii))
    if num_pred == 0 or num_gt == 0:
        # P = 1, R = 0 or P = 0, R = 1: F = 0.
        return np.zeros(len(radii))
    precision = matched_counts(pred_points, gt_points, radii) / num_pred
    recall = matched_counts(gt_points, pred_points, radii) / num_gt
    fscore = np.zeros(len(radii))
    np.divide(
        2 * precision * recall,
        precision + recall,
        out=fscore,
        where=(precision + recall) > 0)
    return fscore


def gscnn_radii(tolerances: Sequence[float], unit: str,
                shape: Tuple[int, int]) -> List[int]:
    """GSCNN's matching radii in pixels for an (H, W) image: r = ceil(t x
    ||(H, W)||) for diagonal fractions, else the integer radii.

    Args:
        tolerances (Sequence[float]): Fractions or integer radii.
        unit (str): ``'diagonal'`` or ``'pixel'``.
        shape (tuple[int, int]): (H, W).

    Returns:
        list[int]: One radius per tolerance.
    """
    if unit == 'pixel':
        return [int(t) for t in tolerances]
    diagonal = np.linalg.norm(np.asarray(shape, dtype=np.float64))
    return [int(np.ceil(t * diagonal)) for t in tolerances]
