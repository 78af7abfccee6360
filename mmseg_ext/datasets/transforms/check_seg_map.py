# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Validate a loaded label map against its image before augmentation."""
from typing import Optional

import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS


@TRANSFORMS.register_module()
class CheckSegMap(BaseTransform):
    """Fail early, naming the files, on a label map that does not fit.

    Place it right after ``LoadAnnotations``. Checks that the label map has
    the image's (H, W) and, with ``num_classes``, that every id is in
    ``[0, num_classes)`` or ``ignore_index``; otherwise the failure comes
    later, in a crop, a collate or the loss. Modifies nothing; results
    without ``gt_seg_map`` pass.

    Args:
        num_classes (int, optional): Number of classes; None skips the ids.
        ignore_index (int): The ignore label. Default 255.
        invalid_ids (str): ``'error'`` (default) raises on out-of-range ids;
            ``'ignore'`` maps them to ``ignore_index``.
    """

    def __init__(self,
                 num_classes: Optional[int] = None,
                 ignore_index: int = 255,
                 invalid_ids: str = 'error') -> None:
        if invalid_ids not in ('error', 'ignore'):
            raise ValueError("invalid_ids must be 'error' or 'ignore', got "
                             f'{invalid_ids!r}')
        self.num_classes = num_classes
        self.ignore_index = ignore_index
        self.invalid_ids = invalid_ids

    def transform(self, results: dict) -> dict:
        if 'gt_seg_map' not in results:
            return results
        seg = results['gt_seg_map']
        img_shape = results['img'].shape[:2]
        seg_path = results.get('seg_map_path', '<label map>')
        img_path = results.get('img_path', '<image>')
        if seg.shape[:2] != img_shape:
            raise ValueError(
                f'label map {seg_path} is {seg.shape[0]}x{seg.shape[1]} '
                f'(HxW) but its image {img_path} is '
                f'{img_shape[0]}x{img_shape[1]}.')
        if self.num_classes is not None:
            ids = np.unique(seg)
            bad = ids[((ids < 0) | (ids >= self.num_classes))
                      & (ids != self.ignore_index)]
            if bad.size:
                if self.invalid_ids == 'error':
                    raise ValueError(
                        f'label map {seg_path} holds ids {bad.tolist()} '
                        f'outside [0, {self.num_classes}) that are not the '
                        f'ignore index {self.ignore_index}.')
                seg = seg.copy()
                seg[np.isin(seg, bad)] = self.ignore_index
                results['gt_seg_map'] = seg
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(num_classes={self.num_classes}, '
                f'ignore_index={self.ignore_index}, '
                f'invalid_ids={self.invalid_ids!r})')
