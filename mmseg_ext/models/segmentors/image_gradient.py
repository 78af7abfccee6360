# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Canny edges of a batch of images, on the images' device.

Gated-SCNN (Takikawa et al., ICCV 2019) fuses the shape stream's boundary
map with the Canny edges of the input image. :func:`canny_edges` is a
tensor re-implementation of OpenCV's ``cv2.Canny(img, low, high)`` with its
defaults (no pre-blur, 3x3 Sobel with replicated borders, L1 magnitude, for
colour images the channel of largest magnitude, non-maximum suppression in
four directions with OpenCV's integer tangent tests and tie-breaking,
hysteresis over 8-connected pixels), so it runs batched on the GPU instead of
per image on the CPU. Its output equals ``cv2.Canny``'s bit for bit (tested).
Hysteresis grows edges one pixel per step (tens to hundreds of steps), cheap
on a GPU but slow on a CPU, where ``cv2.Canny`` itself is the faster way to
the same map: ``backend='auto'`` picks by device.

The official code ran Canny on the *normalised* tensor cast to uint8
(GSCNN issue 22); here the images are in 0..255 (the segmentor undoes the
data preprocessor's mean/std) and rounded to 8 bits, as Canny expects.
"""
from typing import Optional

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

#: tan(22.5 deg) in OpenCV's 15-bit fixed point.
_TG22 = 13573
_SHIFT = 15
BACKENDS = ('auto', 'torch', 'opencv')


def _sobel(images: Tensor) -> Tensor:
    """Sobel dx, dy (replicated border) of (N, C, H, W) -> (N, C, 2, H, W)."""
    n, c, h, w = images.shape
    kx = images.new_tensor([[-1., 0., 1.], [-2., 0., 2.], [-1., 0., 1.]])
    kernel = torch.stack([kx, kx.t()]).unsqueeze(1)  # (2, 1, 3, 3)
    x = F.pad(images.reshape(n * c, 1, h, w), (1, 1, 1, 1), mode='replicate')
    return F.conv2d(x, kernel).reshape(n, c, 2, h, w)


def _non_maximum(mag: Tensor, dx: Tensor, dy: Tensor) -> Tensor:
    """OpenCV's non-maximum test on int32 (N, 1, H, W) maps -> bool."""
    ax, ay = dx.abs(), dy.abs()
    y = ay << _SHIFT
    tg22x = ax * _TG22
    tg67x = tg22x + (ax << (_SHIFT + 1))
    p = F.pad(mag, (1, 1, 1, 1))  # zero magnitude outside the image

    def at(dr: int, dc: int) -> Tensor:
        h, w = mag.shape[2:]
        return p[:, :, 1 + dr:1 + dr + h, 1 + dc:1 + dc + w]

    horizontal = (mag > at(0, -1)) & (mag >= at(0, 1))
    vertical = (mag > at(-1, 0)) & (mag >= at(1, 0))
    # s = -1 when exactly one of dx, dy is negative (OpenCV: (dx^dy) < 0).
    opposite = (dx < 0) ^ (dy < 0)
    diag_same = (mag > at(-1, -1)) & (mag > at(1, 1))
    diag_opposite = (mag > at(-1, 1)) & (mag > at(1, -1))
    diagonal = torch.where(opposite, diag_opposite, diag_same)
    return torch.where(y < tg22x, horizontal,
                       torch.where(y > tg67x, vertical, diagonal))


def _hysteresis(strong: Tensor, weak: Tensor,
                max_iters: Optional[int]) -> Tensor:
    """Grow ``strong`` through 8-connected ``weak`` pixels (float masks)."""
    edges = strong
    step = 0
    while max_iters is None or step < max_iters:
        step += 1
        grown = F.max_pool2d(edges, 3, stride=1, padding=1) * weak
        # Test for convergence every 8 steps: each test syncs the device.
        if step % 8 == 0 and torch.equal(grown, edges):
            break
        edges = grown
    return edges


def canny_edges(images: Tensor,
                low_threshold: float = 10.,
                high_threshold: float = 100.,
                max_hysteresis_iters: Optional[int] = None) -> Tensor:
    """Canny edges of 8-bit-range images, computed with tensor ops.

    Args:
        images (Tensor): (N, C, H, W), values in [0, 255] (rounded and
            clamped to 8 bits first).
        low_threshold (float): Hysteresis low threshold (OpenCV units:
            L1 norm of the 3x3 Sobel gradient). Default: 10 (official).
        high_threshold (float): Hysteresis high threshold. Default: 100.
        max_hysteresis_iters (int, optional): Cap on the hysteresis growth
            steps (one pixel each); None runs to convergence (exact).

    Returns:
        Tensor: (N, 1, H, W) float32 edge map, 1 on edges, 0 elsewhere.
    """
    if images.dim() != 4:
        raise ValueError(f'canny_edges expects (N, C, H, W) images, got '
                         f'{tuple(images.shape)}')
    low, high = sorted((low_threshold, high_threshold))
    low, high = int(np.floor(low)), int(np.floor(high))
    with torch.no_grad(), torch.autocast(
            device_type=images.device.type, enabled=False):
        x = images.float().round().clamp(0, 255)
        grad = _sobel(x)
        dx, dy = grad[:, :, 0], grad[:, :, 1]
        mag = dx.abs() + dy.abs()
        best = mag.argmax(dim=1, keepdim=True)  # first maximum, as OpenCV
        mag = mag.gather(1, best).to(torch.int32)
        dx = dx.gather(1, best).to(torch.int32)
        dy = dy.gather(1, best).to(torch.int32)
        nms = (mag > low) & _non_maximum(mag, dx, dy)
        strong = (nms & (mag > high)).float()
        return _hysteresis(strong, nms.float(), max_hysteresis_iters)


def opencv_canny_edges(images: Tensor,
                       low_threshold: float = 10.,
                       high_threshold: float = 100.) -> Tensor:
    """``cv2.Canny`` per image on the CPU (reference; same I/O as above)."""
    import cv2
    arr = images.detach().float().round().clamp(0,
                                                255).to(torch.uint8).permute(
                                                    0, 2, 3, 1).cpu().numpy()
    edges = np.stack([
        cv2.Canny(np.ascontiguousarray(a), low_threshold, high_threshold)
        for a in arr
    ])
    return torch.from_numpy(edges).to(images.device).unsqueeze(1).float() \
        / 255.


class CannyImageGradient(nn.Module):
    """The image-gradient map that feeds Gated-SCNN's fusion (no params).

    Args:
        low_threshold (float): Canny low threshold. Default: 10.
        high_threshold (float): Canny high threshold. Default: 100.
        backend (str): 'torch' (:func:`canny_edges`, batched, on the
            images' device), 'opencv' (``cv2.Canny`` per image on the CPU)
            or 'auto' ('opencv' for CPU tensors, else 'torch'); all give
            the same map. Default: 'auto'.
        max_hysteresis_iters (int, optional): See :func:`canny_edges`.
    """

    def __init__(self,
                 low_threshold: float = 10.,
                 high_threshold: float = 100.,
                 backend: str = 'auto',
                 max_hysteresis_iters: Optional[int] = None):
        super().__init__()
        if backend not in BACKENDS:
            raise ValueError(f'CannyImageGradient: backend must be one of '
                             f'{BACKENDS}, got {backend!r}')
        self.low_threshold = low_threshold
        self.high_threshold = high_threshold
        self.backend = backend
        self.max_hysteresis_iters = max_hysteresis_iters

    def forward(self, images: Tensor) -> Tensor:
        """(N, C, H, W) images in [0, 255] -> (N, 1, H, W) edges in {0, 1}.
        """
        backend = self.backend
        if backend == 'auto':
            backend = 'opencv' if images.device.type == 'cpu' else 'torch'
        if backend == 'opencv':
            return opencv_canny_edges(images, self.low_threshold,
                                      self.high_threshold)
        return canny_edges(images, self.low_threshold, self.high_threshold,
                           self.max_hysteresis_iters)

    def extra_repr(self) -> str:
        return (f'low_threshold={self.low_threshold}, '
                f'high_threshold={self.high_threshold}, '
                f'backend={self.backend!r}')
