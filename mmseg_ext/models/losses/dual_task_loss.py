# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Gated-SCNN's dual-task loss: predicted vs ground-truth boundaries."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmseg.registry import MODELS
from torch import Tensor

from .boundary_loss_utils import (autocast_disabled, check_4d, check_class_ids,
                                  label_map, resize_to)

_MAGNITUDE_EPS = 1e-6


def triangle_kernel(radius: int) -> Tensor:
    """1-D triangle filter ``[1, ..., r, r + 1, r, ..., 1] / (r + 1)^2``.

    The filter of Dollar's ``convTri`` (structured edge toolbox), used by
    the official Gated-SCNN code; it sums to 1.
    """
    ramp = torch.arange(1, radius + 2, dtype=torch.float32)
    return torch.cat((ramp, ramp[:-1].flip(0))) / float(radius + 1)**2


def unit_step_response(radius: int) -> float:
    """Largest :func:`boundary_magnitude` of a smoothed unit step.

    Central differences of a unit step smoothed by
    :func:`triangle_kernel` peak at ``(f_r + f_{r+1}) / 2 =
    (2r + 1) / (2 (r + 1)^2)`` (0.18 for r = 4, 0.5 for r = 0).
    """
    return (2 * radius + 1) / (2.0 * (radius + 1)**2)


def _symmetric_index(length: int, pad: int, device: torch.device) -> Tensor:
    """Indices that pad ``[0, length)`` by ``pad`` with mirror symmetry,
    for any ``pad``, even larger than ``length``."""
    index = torch.arange(-pad, length + pad, device=device)
    index = torch.remainder(index, 2 * length)
    return torch.where(index >= length, 2 * length - 1 - index, index)


def _symmetric_pad(maps: Tensor, pad: int, dim: int) -> Tensor:
    """Pad ``dim`` by ``pad`` on both sides with mirror symmetry.

    ``x[-1] = x[0]``, ``x[length] = x[length - 1]`` (MATLAB's
    ``'symmetric'``, as ``convTri``), so constants stay constant.
    """
    length = maps.shape[dim]
    if pad > length:
        return maps.index_select(dim, _symmetric_index(length, pad,
                                                       maps.device))
    return torch.cat((maps.narrow(dim, 0, pad).flip(dim), maps,
                      maps.narrow(dim, length - pad, pad).flip(dim)), dim)


def triangle_smooth(maps: Tensor, radius: int) -> Tensor:
    """Separable triangle smoothing (``convTri``) of every channel.

    Args:
        maps (Tensor): ``(N, C, H, W)`` float maps.
        radius (int): Filter radius ``r`` (0: no smoothing).

    Returns:
        Tensor: ``(N, C, H, W)`` smoothed maps (symmetric borders).
    """
    if radius == 0:
        return maps
    channels = maps.shape[1]
    kernel = triangle_kernel(radius).to(maps)
    row = kernel.view(1, 1, 1, -1).expand(channels, 1, 1, -1)
    column = kernel.view(1, 1, -1, 1).expand(channels, 1, -1, 1)
    maps = F.conv2d(_symmetric_pad(maps, radius, 3), row, groups=channels)
    return F.conv2d(_symmetric_pad(maps, radius, 2), column, groups=channels)


def central_difference(maps: Tensor, dim: int) -> Tensor:
    """``numpy.gradient`` along ``dim`` (2 or 3) of ``(N, C, H, W)`` maps:
    central differences inside, one-sided ones at the two ends."""
    length = maps.shape[dim]
    if length < 2:
        return maps * 0.0  # no neighbour; stays part of the graph
    channels = maps.shape[1]
    shape = (1, 1, 3, 1) if dim == 2 else (1, 1, 1, 3)
    padding = (1, 0) if dim == 2 else (0, 1)
    kernel = maps.new_tensor([-0.5, 0.0, 0.5]).view(shape)
    diff = F.conv2d(
        maps,
        kernel.expand(channels, -1, -1, -1),
        padding=padding,
        groups=channels)
    first, last = diff.narrow(dim, 0, 1), diff.narrow(dim, length - 1, 1)
    first.copy_(maps.narrow(dim, 1, 1) - maps.narrow(dim, 0, 1))
    last.copy_(
        maps.narrow(dim, length - 1, 1) - maps.narrow(dim, length - 2, 1))
    return diff


def boundary_magnitude(maps: Tensor) -> Tensor:
    """Spatial gradient magnitude ``|grad maps|`` by central differences.

    ``sqrt(gx^2 + gy^2 + eps^2) - eps``: 0 on flat maps, with a bounded
    derivative at 0 (a plain ``sqrt`` has an infinite one there).
    """
    grad_y = central_difference(maps, 2)
    grad_x = central_difference(maps, 3)
    return torch.sqrt(grad_x * grad_x + grad_y * grad_y +
                      _MAGNITUDE_EPS**2) - _MAGNITUDE_EPS


def boundary_potential(probs: Tensor, radius: int, reliable: Tensor) -> Tensor:
    """The boundary map ``zeta`` of per-class probabilities.

    ``zeta = |grad(convTri_r(probs))| / m``, where the normaliser ``m`` is
    the largest magnitude of the image over its reliable pixels, but at
    least the magnitude of a full-contrast step
    (:func:`unit_step_response`): a map holding a sharp boundary is
    max-normalised as in the official code, while a flat or weak map is
    not inflated to 1.

    Args:
        probs (Tensor): ``(N, C, H, W)`` probabilities (or one-hot).
        radius (int): Triangle-filter radius ``r``.
        reliable (Tensor): ``(N, 1, H, W)`` bool, pixels whose value does
            not depend on ignore pixels.

    Returns:
        Tensor: ``(N, C, H, W)`` boundary map, mostly in [0, 1].
    """
    magnitude = boundary_magnitude(triangle_smooth(probs, radius))
    peak = magnitude.masked_fill(~reliable, 0.0).amax(
        dim=(1, 2, 3), keepdim=True)
    return magnitude / peak.clamp(min=unit_step_response(radius))


def dual_task_loss(seg_logits: Tensor,
                   seg_label: Tensor,
                   tau: float = 0.5,
                   smooth_radius: int = 4,
                   boundary_threshold: float = 1e-4,
                   ignore_index: int = 255,
                   gumbel: bool = True) -> Tensor:
    """Gated-SCNN's dual-task regulariser :math:`L^{reg\\rightarrow}`.

    The segmentation's boundaries must match the ground-truth boundaries.
    With :math:`p(y^k \\mid r, s)` the predicted class distribution, the
    paper's boundary potential is

    .. math::

        \\zeta = \\frac{1}{\\sqrt 2} \\big\\| \\nabla \\big(G *
            \\arg\\max_k p(y^k \\mid r, s)\\big) \\big\\|,

    :math:`\\hat\\zeta` the same on the ground truth, and

    .. math::

        L^{reg\\rightarrow} = \\sum_{p^+} |\\zeta(p^+) - \\hat\\zeta(p^+)|,

    :math:`p^+` the pixels where :math:`\\zeta` or :math:`\\hat\\zeta` is
    non-zero. The argmax is relaxed by the Gumbel softmax,
    :math:`g^k = \\mathrm{softmax}_k((l^k + \\gamma^k) / \\tau)` with
    logits :math:`l`, :math:`\\gamma^k \\sim \\mathrm{Gumbel}(0, 1)`.
    Realised as the official code intended (its smoothing and gradient
    functions return early, nv-tlabs/GSCNN#16): per class, :math:`G` is a
    triangle filter of radius ``smooth_radius``, :math:`\\nabla` central
    differences, and each image's map is max-normalised (see
    :func:`boundary_potential`). The sum over :math:`p^+` is taken as
    ``0.5 * mean over {zeta > t} + 0.5 * mean over {zeta_hat > t}`` over
    class-pixel elements, ``t = boundary_threshold``, the official
    reduction. Unlike the official code, any number of classes works
    (#72), and ignore pixels are not turned into class 0: every pixel
    whose smoothed gradient reaches an ignore pixel (within
    ``smooth_radius + 1``) is left out of both terms, so void regions
    and the batch padding create no boundaries.

    Args:
        seg_logits (Tensor): ``(N, C, H', W')`` segmentation logits;
            resized bilinearly to the label size if needed.
        seg_label (Tensor): ``(N, H, W)`` (or ``(N, 1, H, W)``) class ids.
        tau (float): Gumbel-softmax temperature :math:`\\tau`.
        smooth_radius (int): Triangle-filter radius ``r`` (``convTri``).
        boundary_threshold (float): ``t``: a normalised boundary value
            above it counts as non-zero. The weakest ground-truth value
            (a corner's filter tail, about ``1 / ((r + 1)^2 (2r + 1))``)
            is 4.4e-3 for r = 4 and above 1e-4 up to r = 15; flat regions
            give exactly 0.
        ignore_index (int): Label of pixels to skip.
        gumbel (bool): Sample Gumbel noise; False uses the noise-free
            ``softmax(l / tau)`` (deterministic, for tests).

    Returns:
        Tensor: Scalar float32 loss, part of the graph even when 0.
    """
    owner = 'DualTaskLoss'
    check_4d(seg_logits, 'seg_logits', owner)
    label = label_map(seg_label, seg_logits.shape[0], owner)
    num_classes = seg_logits.shape[1]
    check_class_ids(label, num_classes, ignore_index, owner)
    with autocast_disabled(seg_logits):
        logits = resize_to(seg_logits.float(), label.shape[1:])
        if gumbel:
            probs = F.gumbel_softmax(logits, tau=tau, hard=False, dim=1)
        else:
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
    """Dual-task loss of Gated-SCNN (Takikawa et al., ICCV 2019).

    See :func:`dual_task_loss`. It takes the segmentation logits and the
    label, like ``CrossEntropyLoss``, so it can also sit in a decode
    head's ``loss_decode`` list.

    Args:
        tau (float): Gumbel-softmax temperature :math:`\\tau`.
            Default 0.5 (official value).
        smooth_radius (int): Radius ``r`` of the triangle filter
            :math:`G`. Default 4 (official ``convTri(., 4)``).
        boundary_threshold (float): Level above which a normalised
            boundary value counts as non-zero (defines :math:`p^+`).
            Default 1e-4.
        gumbel (bool): Sample Gumbel noise; False gives the deterministic
            ``softmax(logits / tau)``. Default True.
        loss_weight (float): Weight of the loss. Default 1.0.
        ignore_index (int): Label of pixels to skip. Default 255.
        loss_name (str): Name of the loss item. Default ``'loss_dual'``.
    """

    def __init__(self,
                 tau: float = 0.5,
                 smooth_radius: int = 4,
                 boundary_threshold: float = 1e-4,
                 gumbel: bool = True,
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
        self.tau = tau
        self.smooth_radius = smooth_radius
        self.boundary_threshold = boundary_threshold
        self.gumbel = gumbel
        self.loss_weight = loss_weight
        self.ignore_index = ignore_index
        self._loss_name = loss_name

    def forward(self,
                seg_logits: Tensor,
                seg_label: Tensor,
                weight: Optional[Tensor] = None,
                ignore_index: Optional[int] = None) -> Tensor:
        """Compute the weighted loss.

        Args:
            seg_logits (Tensor): ``(N, C, H', W')`` segmentation logits.
            seg_label (Tensor): ``(N, H, W)`` class ids.
            weight (Tensor, optional): Per-pixel weights are not
                supported (the loss compares maps); must be None. It is
                accepted because decode heads pass it.
            ignore_index (int, optional): Overrides ``self.ignore_index``
                (decode heads pass theirs).

        Returns:
            Tensor: Scalar float32 loss.
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
            gumbel=self.gumbel)

    @property
    def loss_name(self) -> str:
        """Name of the loss item (the key in the losses dict)."""
        return self._loss_name
