# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Gated-SCNN's dual-task loss: predicted vs ground-truth boundaries."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmseg.registry import MODELS
from torch import Tensor

from .boundary_loss_utils import (autocast_disabled, check_4d, label_map,
                                  resize_to)
from .boundary_potential import boundary_potential


def gumbel_noise(like: Tensor) -> Tensor:
    """Standard Gumbel samples ``-log(-log(u))``, ``u ~ U(0, 1)``, shaped
    and typed like ``like`` (``F.gumbel_softmax``'s noise, drawn with
    ``rand``)."""
    uniform = torch.rand_like(like).clamp_(min=torch.finfo(like.dtype).tiny)
    return uniform.log_().neg_().log_().neg_()


def scale_label(label: Tensor, scale_factor: float) -> Tensor:
    """Nearest-neighbour subsampling of ``(N, H, W)`` class ids to
    ``round(H * scale_factor) x round(W * scale_factor)`` (at least 1)."""
    size = [max(1, round(length * scale_factor)) for length in label.shape[1:]]
    if size == list(label.shape[1:]):
        return label
    scaled = F.interpolate(label[:, None].float(), size=size, mode='nearest')
    return scaled[:, 0].to(label.dtype)


def dual_task_loss(seg_logits: Tensor,
                   seg_label: Tensor,
                   tau: float = 0.5,
                   smooth_radius: int = 4,
                   boundary_threshold: float = 1e-4,
                   ignore_index: int = 255,
                   gumbel: bool = True,
                   scale_factor: float = 1.0,
                   align_corners: bool = False) -> Tensor:
    """Gated-SCNN's dual-task regulariser :math:`L^{reg\\rightarrow}`.

    `Gated-SCNN <https://arxiv.org/abs/1907.05740>`_, Sec. 3.4: the L1
    distance between the boundary potentials (:func:`boundary_potential`)
    of the Gumbel-softmax segmentation and of the one-hot label, averaged
    over the pixels where either is above ``boundary_threshold``. Pixels
    whose smoothed gradient reads an ignore pixel are left out.
    docs/gscnn_losses.md gives the definitions and the differences from
    the official code.

    Args:
        seg_logits (Tensor): (N, C, H', W') logits, resized bilinearly to
            the label size if needed.
        seg_label (Tensor): (N, H, W) or (N, 1, H, W) class ids.
        tau (float): Gumbel-softmax temperature.
        smooth_radius (int): Triangle-filter radius ``r`` (``convTri``).
        boundary_threshold (float): Level above which a normalised
            boundary value counts as non-zero.
        ignore_index (int): Label of pixels to skip.
        gumbel (bool): Sample Gumbel noise; False uses ``softmax(l / tau)``.
        scale_factor (float): Resolution of the comparison relative to the
            label, in (0, 1]; ``smooth_radius`` counts pixels there.
        align_corners (bool): Of the resize of ``seg_logits``.

    Returns:
        Tensor: Scalar float32 loss, part of the graph even when 0.
    """
    owner = 'DualTaskLoss'
    check_4d(seg_logits, 'seg_logits', owner)
    label = label_map(seg_label, seg_logits.shape[0], owner)
    if scale_factor != 1.0:
        label = scale_label(label, scale_factor)
    with autocast_disabled(seg_logits):
        logits = resize_to(seg_logits.float(), label.shape[1:], align_corners)
        if gumbel:
            logits = logits + gumbel_noise(logits)
        probs = F.softmax(logits / tau, dim=1)
        with torch.no_grad():
            valid = (label != ignore_index)[:, None]
            one_hot = torch.zeros_like(logits).scatter_(
                1, torch.where(valid, label[:, None], 0), 1.0)
            one_hot = one_hot * valid
            # pixels whose smoothed gradient reads no ignore pixel: a
            # (2r + 3)^2 square max filter, run as two 1-D passes
            reach, pad = 2 * smooth_radius + 3, smooth_radius + 1
            ignored = F.max_pool2d(
                (~valid).float(), (1, reach), stride=1, padding=(0, pad))
            ignored = F.max_pool2d(
                ignored, (reach, 1), stride=1, padding=(pad, 0))
            reliable = ignored == 0
            zeta_gt = boundary_potential(one_hot, smooth_radius, reliable)
        zeta = boundary_potential(probs, smooth_radius, reliable)
        error = (zeta - zeta_gt).abs()
        pred_mask = (zeta.detach() > boundary_threshold) & reliable
        gt_mask = (zeta_gt > boundary_threshold) & reliable
        pred_term = (error * pred_mask).sum() / pred_mask.sum().clamp(min=1)
        gt_term = (error * gt_mask).sum() / gt_mask.sum().clamp(min=1)
        return 0.5 * pred_term + 0.5 * gt_term


@MODELS.register_module()
class DualTaskLoss(nn.Module):
    """Dual-task loss of `Gated-SCNN <https://arxiv.org/abs/1907.05740>`_
    (:func:`dual_task_loss`), with ``CrossEntropyLoss``'s call signature.

    Args:
        tau (float): Gumbel-softmax temperature. Default 0.5 (official).
        smooth_radius (int): Triangle-filter radius. Default 4 (official).
        boundary_threshold (float): Default 1e-4.
        gumbel (bool): Sample Gumbel noise. Default True.
        scale_factor (float): Comparison resolution relative to the label,
            in (0, 1]. Default 1.0 (the paper).
        loss_weight (float): Weight of the loss. Default 1.0.
        ignore_index (int): Label of pixels to skip. Default 255.
        loss_name (str): Name of the loss item. Default ``'loss_dual'``.
    """

    def __init__(self,
                 tau: float = 0.5,
                 smooth_radius: int = 4,
                 boundary_threshold: float = 1e-4,
                 gumbel: bool = True,
                 scale_factor: float = 1.0,
                 loss_weight: float = 1.0,
                 ignore_index: int = 255,
                 loss_name: str = 'loss_dual') -> None:
        super().__init__()
        if not tau > 0:
            raise ValueError(f'DualTaskLoss: tau must be > 0, got {tau!r}.')
        if isinstance(smooth_radius, bool) or not isinstance(
                smooth_radius, int) or smooth_radius < 0:
            raise ValueError('DualTaskLoss: smooth_radius must be an int '
                             f'>= 0, got {smooth_radius!r}.')
        if not 0.0 <= boundary_threshold < 1.0:
            raise ValueError('DualTaskLoss: boundary_threshold must be in '
                             f'[0, 1), got {boundary_threshold!r}.')
        if not 0.0 < scale_factor <= 1.0:
            raise ValueError('DualTaskLoss: scale_factor must be in (0, 1], '
                             f'got {scale_factor!r}.')
        self.tau = tau
        self.smooth_radius = smooth_radius
        self.boundary_threshold = boundary_threshold
        self.gumbel = gumbel
        self.scale_factor = scale_factor
        self.loss_weight = loss_weight
        self.ignore_index = ignore_index
        self._loss_name = loss_name

    def forward(self,
                seg_logits: Tensor,
                seg_label: Tensor,
                weight: Optional[Tensor] = None,
                ignore_index: Optional[int] = None,
                align_corners: bool = False) -> Tensor:
        """Weighted :func:`dual_task_loss` (same tensors); ``weight`` must be
        None, ``ignore_index`` overrides ``self.ignore_index``.
        """
        if weight is not None:
            raise ValueError('DualTaskLoss does not support per-pixel '
                             'weights (a pixel sampler); got a weight '
                             'tensor.')
        if ignore_index is None:
            ignore_index = self.ignore_index
        return self.loss_weight * dual_task_loss(
            seg_logits,
            seg_label,
            tau=self.tau,
            smooth_radius=self.smooth_radius,
            boundary_threshold=self.boundary_threshold,
            ignore_index=ignore_index,
            gumbel=self.gumbel,
            scale_factor=self.scale_factor,
            align_corners=align_corners)

    @property
    def loss_name(self) -> str:
        """Name of the loss item (the key in the losses dict)."""
        return self._loss_name
