# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Helpers shared by the boundary-aware losses (Gated-SCNN)."""
import contextlib
from typing import ContextManager, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor


def autocast_disabled(tensor: Tensor) -> ContextManager:
    """A context that turns autocast off on ``tensor``'s device.

    The losses compute in float32: under autocast, ``conv2d`` and friends
    would otherwise run in half precision even on float32 inputs.
    """
    try:
        return torch.autocast(device_type=tensor.device.type, enabled=False)
    except RuntimeError:  # a device type autocast does not know
        return contextlib.nullcontext()


def resize_to(logits: Tensor,
              size: Sequence[int],
              align_corners: bool = False) -> Tensor:
    """Bilinearly resize ``(N, C, h, w)`` logits to ``size`` if needed."""
    if tuple(logits.shape[2:]) == tuple(size):
        return logits
    return F.interpolate(
        logits, size=tuple(size), mode='bilinear', align_corners=align_corners)


def check_4d(tensor: Tensor, name: str, owner: str) -> None:
    """Raise a clear error unless ``tensor`` is ``(N, C, H, W)``."""
    if tensor.dim() != 4:
        raise ValueError(f'{owner}: {name} must be (N, C, H, W), got shape '
                         f'{tuple(tensor.shape)}.')


def label_map(label: Tensor, batch_size: int, owner: str) -> Tensor:
    """``(N, H, W)`` long label from ``(N, H, W)`` or ``(N, 1, H, W)``."""
    if label.dim() == 4 and label.shape[1] == 1:
        label = label[:, 0]
    if label.dim() != 3 or label.shape[0] != batch_size:
        raise ValueError(f'{owner}: the label must be (N, H, W) with N = '
                         f'{batch_size}, got shape {tuple(label.shape)}.')
    if label.is_floating_point() or label.dtype == torch.bool:
        raise TypeError(f'{owner}: the label must be an integer tensor, '
                        f'got {label.dtype}.')
    return label.long()
