# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Boundary counts of the pooled boundary F-score protocol (per image
and class; :class:`BoundaryFScore` sums them over the set).
"""
from typing import List, Sequence

import numpy as np

from .boundary_utils import matched_counts


def class_boundaries(label: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """1-pixel inner boundaries: pixels with a valid 4-neighbour of another
    label (ignore pixels and the image border create none).

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


def boundary_match_counts(pred: np.ndarray, gt: np.ndarray, valid: np.ndarray,
                          num_classes: int,
                          radii: Sequence[float]) -> np.ndarray:
    """Per-class boundary counts of one image.

    Args:
        pred (np.ndarray): (H, W) predicted labels in [0, C) where valid.
        gt (np.ndarray): (H, W) ground-truth labels in [0, C) where valid.
        valid (np.ndarray): (H, W) bool, pixels to evaluate.
        num_classes (int): C.
        radii (Sequence[float]): T matching radii (Euclidean, <= r).

    Returns:
        np.ndarray: (2 + 2T, C) int64: predicted and ground-truth boundary
        pixels, then the predicted and the ground-truth ones matched within
        each radius.
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
        counts[2:2 + num_radii, c] = matched_counts(pred_points[c],
                                                    gt_points[c], radii)
        counts[2 + num_radii:, c] = matched_counts(gt_points[c],
                                                   pred_points[c], radii)
    return counts
