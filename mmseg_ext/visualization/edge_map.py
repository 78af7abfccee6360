# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Predicted edge maps of shape-stream models as 8-bit images.

``SegDataSample.pred_edge_map`` is a ``PixelData`` (1, H, W) of edge
probabilities in [0, 1]; every tool writes it as a greyscale PNG, value
``v`` for probability ``v / 255``, named ``<name>`` + :data:`EDGE_SUFFIX`.
"""
from typing import Optional, Tuple

import cv2
import mmcv
import numpy as np
import torch
from mmengine.structures import PixelData

#: Suffix of the edge-map PNG written next to a prediction ``<name>.png``.
EDGE_SUFFIX = '_edge.png'


def edge_probabilities(edge_map: PixelData,
                       owner: str = 'edge map',
                       shape: Optional[Tuple[int, int]] = None) -> np.ndarray:
    """The (H, W) float32 edge probabilities of ``pred_edge_map``.

    Args:
        edge_map (PixelData): (1, H, W) data in [0, 1] (tensor or array).
        owner (str): Name of the caller, for error messages.
        shape (tuple[int, int], optional): Resize (bilinear) to this (H, W).

    Returns:
        np.ndarray: (H, W) float32 probabilities, clipped to [0, 1].

    Raises:
        ValueError: If the shape is not (1, H, W) or values leave [0, 1].
    """
    prob = edge_map.data
    if isinstance(prob, torch.Tensor):
        prob = prob.detach().float().cpu().numpy()
    prob = np.asarray(prob, dtype=np.float32)
    if prob.ndim != 3 or prob.shape[0] != 1:
        raise ValueError(f'{owner}: pred_edge_map must have shape (1, H, W), '
                         f'got {tuple(prob.shape)}')
    prob = prob[0]
    if prob.size and (prob.min() < -1e-3 or prob.max() > 1 + 1e-3):
        raise ValueError(f'{owner}: pred_edge_map must hold edge '
                         'probabilities in [0, 1], got values in '
                         f'[{prob.min():.3g}, {prob.max():.3g}]')
    if shape is not None and prob.shape != tuple(shape):
        prob = cv2.resize(
            prob, (shape[1], shape[0]), interpolation=cv2.INTER_LINEAR)
    return np.clip(prob, 0, 1)


def edge_map_to_uint8(edge_map: PixelData,
                      owner: str = 'edge map',
                      shape: Optional[Tuple[int, int]] = None) -> np.ndarray:
    """``pred_edge_map`` as an (H, W) uint8 image, ``round(255 * p)``.

    Args and errors as :func:`edge_probabilities`.
    """
    prob = edge_probabilities(edge_map, owner, shape)
    return np.round(prob * 255).astype(np.uint8)


def write_edge_map(edge_map: PixelData,
                   path: str,
                   owner: str = 'edge map') -> str:
    """Write ``pred_edge_map`` ((1, H, W) in [0, 1]) to ``path`` as an
    8-bit greyscale PNG (folder created); returns ``path``.
    """
    if not mmcv.imwrite(edge_map_to_uint8(edge_map, owner), path):
        raise OSError(f'{owner}: could not write the edge map to {path!r}')
    return path
