# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Semantic-boundary ground truth for boundary losses (Gated-SCNN)."""
import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS


def disk_kernel(radius: int) -> np.ndarray:
    """Euclidean disk ``dy^2 + dx^2 <= radius^2`` as a
    ``(2 * radius + 1, 2 * radius + 1)`` uint8 0/1 kernel.
    """
    offsets = np.arange(-radius, radius + 1)
    dist_sq = offsets[:, None]**2 + offsets[None, :]**2
    return (dist_sq <= radius * radius).astype(np.uint8)


def seg_boundary_map(seg_map: np.ndarray,
                     radius: int = 2,
                     ignore_index: int = 255) -> np.ndarray:
    """Binary boundary map of a label map, ignore-aware, all classes.

    A labelled pixel is a boundary pixel iff a pixel of another non-ignore
    label lies within ``radius`` (Euclidean): a disk dilation and erosion
    (ignore set to the smallest, then the largest value) differ exactly
    there. The image border and ignore pixels create no boundary.

    Args:
        seg_map (np.ndarray): (H, W) integer labels in [0, 65535].
        radius (int): Boundary half-width in pixels, >= 1.
        ignore_index (int): Label of unlabelled pixels, in ``[0, 255]``.

    Returns:
        np.ndarray: (H, W) uint8: 1 boundary, 0 not, ``ignore_index`` where
        ``seg_map == ignore_index``.
    """
    if seg_map.ndim != 2:
        raise ValueError('seg_boundary_map expects an (H, W) label map, got '
                         f'shape {tuple(seg_map.shape)}.')
    if not np.issubdtype(seg_map.dtype, np.integer):
        raise TypeError('seg_boundary_map expects an integer label map, '
                        f'got dtype {seg_map.dtype}.')
    if seg_map.size == 0:
        return np.zeros(seg_map.shape, np.uint8)
    if seg_map.dtype not in (np.uint8, np.uint16):
        low, high = int(seg_map.min()), int(seg_map.max())
        if low < 0 or high > 65535:
            raise ValueError('seg_boundary_map supports labels in [0, 65535],'
                             f' got values in [{low}, {high}].')
        seg_map = seg_map.astype(np.uint16)
    seg_map = np.ascontiguousarray(seg_map)
    kernel = disk_kernel(radius)
    ignore = cv2.compare(seg_map, ignore_index, cv2.CMP_EQ)  # 0 / 255
    if seg_map.dtype == np.uint8:
        # Saturating arithmetic: ignore pixels -> 0 (low) and 255 (high).
        low_fill = cv2.subtract(seg_map, ignore)
        high_fill = cv2.add(seg_map, ignore)
    else:
        is_ignore = ignore > 0
        low_fill = np.where(is_ignore, np.uint16(0), seg_map)
        high_fill = np.where(is_ignore, np.uint16(65535), seg_map)
    boundary = cv2.compare(
        cv2.dilate(low_fill, kernel), cv2.erode(high_fill, kernel),
        cv2.CMP_NE)  # 0 / 255
    # 1 on boundaries, then ignore_index on ignore pixels.
    boundary = cv2.bitwise_and(boundary, cv2.bitwise_not(ignore))
    boundary = cv2.bitwise_and(boundary, 1)
    if ignore_index:
        boundary = cv2.bitwise_or(boundary,
                                  cv2.bitwise_and(ignore, ignore_index))
    return boundary


@TRANSFORMS.register_module()
class GenerateSegBoundary(BaseTransform):
    """Generate the semantic-boundary map of Gated-SCNN's edge losses.

    `Gated-SCNN <https://arxiv.org/abs/1907.05740>`_ supervises its shape
    stream with the boundaries of every class (:func:`seg_boundary_map`;
    unlike the official ground truth, class 0 has boundaries and neither the
    image border nor void creates any; docs/gscnn_losses.md). Place it after
    crop and flip; ``gt_edge_map`` joins ``seg_fields`` and is packed into
    ``data_sample.gt_edge_map``.

    Required keys: ``gt_seg_map``. Added keys: ``gt_edge_map``, (H, W) uint8.

    Args:
        radius (int): Boundary half-width in pixels. Default 2 (official).
        ignore_index (int): Unlabelled pixels, kept in ``gt_edge_map``; in
            [0, 255]. Default 255.
    """

    def __init__(self, radius: int = 2, ignore_index: int = 255) -> None:
        super().__init__()
        if isinstance(radius, bool) or not isinstance(radius, int) \
                or radius < 1:
            raise ValueError('GenerateSegBoundary: radius must be an int '
                             f'>= 1, got {radius!r}.')
        if isinstance(ignore_index, bool) or not isinstance(
                ignore_index, int) or not 0 <= ignore_index <= 255:
            raise ValueError('GenerateSegBoundary: ignore_index must be an '
                             'int in [0, 255] (the map is uint8), got '
                             f'{ignore_index!r}.')
        self.radius = radius
        self.ignore_index = ignore_index

    def transform(self, results: dict) -> dict:
        if 'gt_seg_map' not in results:
            raise KeyError('GenerateSegBoundary needs results["gt_seg_map"];'
                           ' place it after LoadAnnotations.')
        seg_map = results['gt_seg_map']
        if seg_map.ndim != 2:
            raise ValueError('GenerateSegBoundary expects an (H, W) '
                             f'gt_seg_map, got shape {tuple(seg_map.shape)}.')
        results['gt_edge_map'] = seg_boundary_map(seg_map, self.radius,
                                                  self.ignore_index)
        seg_fields = results.setdefault('seg_fields', [])
        if 'gt_edge_map' not in seg_fields:
            seg_fields.append('gt_edge_map')
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(radius={self.radius}, '
                f'ignore_index={self.ignore_index})')
