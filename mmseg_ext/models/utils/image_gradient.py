# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Canny edges of a batch of images: cv2 on the host, tensor ops elsewhere.

`Gated-SCNN <https://arxiv.org/abs/1907.05740>`_ fuses the shape stream's
boundary map with the Canny edges of the input image. :func:`canny_edges`
re-implements ``cv2.Canny(img, low, high)`` (3x3 Sobel, L1 magnitude,
OpenCV's non-maximum suppression, 8-connected hysteresis) with tensor ops
only, so it runs batched on any device and stays in exported graphs. Its
hysteresis runs a fixed number of steps, ``hysteresis_iters``; with enough
steps it equals ``cv2.Canny`` bit for bit. configs/gscnn/README.md
("Image gradients") gives the agreement per bound and the backend choice.
"""
import importlib
import math
from typing import Callable

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

#: tan(22.5 deg) in OpenCV's 15-bit fixed point, and that fixed point.
_TG22 = 13573
_ONE = 1 << 15
#: Default hysteresis bound (see the agreement table in the GSCNN README).
HYSTERESIS_ITERS = 256
BACKENDS = ('auto', 'torch', 'opencv')


def _resolve_is_compiling() -> Callable[[], bool]:
    """``torch.compiler.is_compiling`` (torch 2.3+), else torch._dynamo's,
    resolved at import: the tracer must not meet an import."""
    is_compiling = getattr(
        getattr(torch, 'compiler', None), 'is_compiling', None)
    if is_compiling is None:  # torch 2.0-2.2 keep it in torch._dynamo
        is_compiling = importlib.import_module('torch._dynamo').is_compiling
    return is_compiling


_is_compiling = _resolve_is_compiling()


def _is_tracing() -> bool:
    """True inside torch.export / dynamo, the ONNX exporters or jit."""
    return (_is_compiling() or torch.jit.is_tracing()
            or torch.onnx.is_in_onnx_export())


def _sobel(images: Tensor) -> Tensor:
    """Sobel dx, dy of (N, C, H, W) images -> (N, C, 2, H, W).

    Slices and additions, replicated border: exact in float32 for 8-bit
    inputs and untouched by autocast, unlike a convolution.
    """
    p = F.pad(images, (1, 1, 1, 1), mode='replicate')
    h, w = images.shape[2:]

    def at(dr: int, dc: int) -> Tensor:
        return p[:, :, 1 + dr:1 + dr + h, 1 + dc:1 + dc + w]

    dx = (at(-1, 1) - at(-1, -1)) + 2 * (at(0, 1) - at(0, -1)) + \
        (at(1, 1) - at(1, -1))
    dy = (at(1, -1) - at(-1, -1)) + 2 * (at(1, 0) - at(-1, 0)) + \
        (at(1, 1) - at(-1, 1))
    return torch.stack([dx, dy], dim=2)


def _non_maximum(mag: Tensor, dx: Tensor, dy: Tensor) -> Tensor:
    """OpenCV's non-maximum test on int32 (N, 1, H, W) maps -> bool.

    Multiplications instead of OpenCV's shifts (ONNX's BitShift is
    unsigned only); the products fit in int32 (|dx|, |dy| <= 1020).
    """
    ax, ay = dx.abs(), dy.abs()
    y = ay * _ONE
    tg22x = ax * _TG22
    tg67x = tg22x + ax * (2 * _ONE)
    p = F.pad(mag, (1, 1, 1, 1))  # zero magnitude outside the image
    h, w = mag.shape[2:]

    def at(dr: int, dc: int) -> Tensor:
        return p[:, :, 1 + dr:1 + dr + h, 1 + dc:1 + dc + w]

    horizontal = (mag > at(0, -1)) & (mag >= at(0, 1))
    vertical = (mag > at(-1, 0)) & (mag >= at(1, 0))
    # s = -1 when exactly one of dx, dy is negative (OpenCV: (dx^dy) < 0).
    opposite = (dx < 0) ^ (dy < 0)
    diag_same = (mag > at(-1, -1)) & (mag > at(1, 1))
    diag_opposite = (mag > at(-1, 1)) & (mag > at(1, -1))
    # Selections as boolean algebra (onnxruntime has no boolean Where).
    is_horizontal = y < tg22x
    is_vertical = (y > tg67x) & ~is_horizontal
    is_diagonal = ~(is_horizontal | is_vertical)
    diagonal = (opposite & diag_opposite) | (~opposite & diag_same)
    return (is_horizontal & horizontal) | (is_vertical & vertical) | \
        (is_diagonal & diagonal)


def _dilate(mask: Tensor) -> Tensor:
    """3x3 binary dilation of a bool (N, 1, H, W) mask, zeros outside,
    as separable ORs of shifted slices (plain boolean ops when exported).
    """
    p = F.pad(mask, (1, 1, 1, 1))
    rows = p[..., :, :-2] | p[..., :, 1:-1] | p[..., :, 2:]
    return rows[..., :-2, :] | rows[..., 1:-1, :] | rows[..., 2:, :]


def _hysteresis(strong: Tensor, weak: Tensor, iters: int) -> Tensor:
    """Grow ``strong`` through 8-connected ``weak`` pixels for ``iters``
    steps; (N, 1, H, W) bool masks. Eager calls on CPU tensors stop once a
    step changes nothing (same result); elsewhere that test would wait for
    the device, so all steps run.
    """
    early_exit = strong.device.type == 'cpu' and not _is_tracing()
    edges = strong
    for step in range(1, iters + 1):
        grown = _dilate(edges) & weak
        if early_exit and step % 8 == 0 and torch.equal(grown, edges):
            return grown
        edges = grown
    return edges


def canny_edges(images: Tensor,
                low_threshold: float = 10.,
                high_threshold: float = 100.,
                hysteresis_iters: int = HYSTERESIS_ITERS) -> Tensor:
    """Canny edges of 8-bit-range images, computed with tensor ops.

    Args:
        images (Tensor): (N, C, H, W), values in [0, 255] (rounded and
            clamped to 8 bits first).
        low_threshold (float): Hysteresis low threshold (OpenCV units:
            L1 norm of the 3x3 Sobel gradient). Default: 10 (official).
        high_threshold (float): Hysteresis high threshold. Default: 100.
        hysteresis_iters (int): Hysteresis growth steps, a fixed bound.
            Default: :data:`HYSTERESIS_ITERS`.

    Returns:
        Tensor: (N, 1, H, W) float32 edge map, 1 on edges, 0 elsewhere.
    """
    if images.dim() != 4:
        raise ValueError(f'canny_edges expects (N, C, H, W) images, got '
                         f'{tuple(images.shape)}')
    low, high = sorted((low_threshold, high_threshold))
    low, high = math.floor(low), math.floor(high)
    x = images.detach().float().round().clamp(0, 255)
    grad = _sobel(x)
    dx, dy = grad[:, :, 0], grad[:, :, 1]
    mag = dx.abs() + dy.abs()
    best = mag.argmax(dim=1, keepdim=True)  # first maximum, as OpenCV
    mag = mag.gather(1, best).to(torch.int32)
    dx = dx.gather(1, best).to(torch.int32)
    dy = dy.gather(1, best).to(torch.int32)
    candidates = (mag > low) & _non_maximum(mag, dx, dy)
    strong = candidates & (mag > high)
    return _hysteresis(strong, candidates, hysteresis_iters).float()


def opencv_canny_edges(images: Tensor,
                       low_threshold: float = 10.,
                       high_threshold: float = 100.) -> Tensor:
    """``cv2.Canny`` per image, on the host (same I/O as
    :func:`canny_edges`); used for eager calls on CPU tensors only."""
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
        backend (str): 'auto' (default): ``cv2.Canny`` for eager calls on
            CPU tensors, else :func:`canny_edges`. 'torch': always
            :func:`canny_edges`. 'opencv': always ``cv2.Canny`` (raises
            when traced).
        hysteresis_iters (int): Hysteresis bound of :func:`canny_edges`.
            Default: :data:`HYSTERESIS_ITERS`.
    """

    def __init__(self,
                 low_threshold: float = 10.,
                 high_threshold: float = 100.,
                 backend: str = 'auto',
                 hysteresis_iters: int = HYSTERESIS_ITERS):
        super().__init__()
        if backend not in BACKENDS:
            raise ValueError(f'CannyImageGradient: backend must be one of '
                             f'{BACKENDS}, got {backend!r}')
        if not isinstance(hysteresis_iters, int) or hysteresis_iters < 0:
            raise ValueError('CannyImageGradient: hysteresis_iters must be '
                             f'an int >= 0, got {hysteresis_iters!r}')
        self.low_threshold = low_threshold
        self.high_threshold = high_threshold
        self.backend = backend
        self.hysteresis_iters = hysteresis_iters

    def uses_opencv(self, images: Tensor) -> bool:
        """Whether a call on ``images`` runs ``cv2.Canny`` (device and
        tracing state only, never tensor values)."""
        if self.backend == 'auto':
            return images.device.type == 'cpu' and not _is_tracing()
        return self.backend == 'opencv'

    def forward(self, images: Tensor) -> Tensor:
        """(N, C, H, W) images in [0, 255] -> (N, 1, H, W) edges in {0, 1}.
        """
        if self.uses_opencv(images):
            if _is_tracing():
                raise RuntimeError(
                    "CannyImageGradient: backend='opencv' runs cv2.Canny "
                    'on the host and cannot be traced or exported; use '
                    "image_gradient=dict(backend='auto') (the default)")
            return opencv_canny_edges(images, self.low_threshold,
                                      self.high_threshold)
        return canny_edges(images, self.low_threshold, self.high_threshold,
                           self.hysteresis_iters)

    def extra_repr(self) -> str:
        return (f'low_threshold={self.low_threshold}, '
                f'high_threshold={self.high_threshold}, '
                f'backend={self.backend!r}, '
                f'hysteresis_iters={self.hysteresis_iters}')
