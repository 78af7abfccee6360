# Copyright (c) mmseg_ext contributors. All rights reserved.
"""mmseg's ``IoUMetric`` that also returns the IoU of every class.

mmseg's metric prints the per-class table to the log but returns only the
class means. Result tables need the per-class figures as numbers, so this
subclass adds ``IoU.<class name>`` (percent, two decimals, ``nan`` for a
class absent from both prediction and ground truth) to the returned dict,
computed from the same summed intersections and unions as ``mIoU``.
"""
from typing import Dict, List

import numpy as np
from mmseg.evaluation import IoUMetric
from mmseg.registry import METRICS

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
        """The class mean and the per-class IoU, in percent.

        Args:
            results (list[tuple]): Per image, mmseg's four ``(C,)`` area
                tensors: intersection, union, predicted and ground-truth
                pixels per class.

        Returns:
            dict[str, float]: ``aAcc``, ``mIoU`` (mmseg's) and
            ``IoU.<class>`` for each class of ``dataset_meta``.
        """
        metrics = super().compute_metrics(results)
        if self.format_only:
            return metrics
        intersect = sum(r[0] for r in results).double().cpu().numpy()
        union = sum(r[1] for r in results).double().cpu().numpy()
        with np.errstate(invalid='ignore', divide='ignore'):
            iou = np.where(union > 0, intersect / np.maximum(union, 1), np.nan)
        classes = self.dataset_meta['classes']
        for name, value in zip(classes, iou):
            metrics[PER_CLASS_PREFIX + name] = float(np.round(value * 100, 2))
        return metrics
