# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Class-balanced boundary BCE (HED / Gated-SCNN edge loss)."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmseg.registry import MODELS
from torch import Tensor

from ..utils.config_checks import assert_on_device
from .boundary_loss_utils import autocast_disabled, check_4d, resize_to


def boundary_bce_loss(edge_logits: Tensor,
                      edge_target: Tensor,
                      ignore_index: int = 255) -> Tensor:
    """Class-balanced binary cross-entropy on boundary logits.

    HED's balancing (Xie & Tu, ICCV 2015), as Gated-SCNN's shape stream:
    ``beta = |Y-| / |V|`` weighs the boundary pixels ``Y+``, ``1 - beta`` the
    others, over the valid pixels ``V`` of the batch (docs/gscnn_losses.md).
    One sigmoid, inside ``binary_cross_entropy_with_logits``, in float32.
    Without boundary or valid pixels the loss is 0.

    Args:
        edge_logits (Tensor): (N, 1, H', W') logits, resized to the target.
        edge_target (Tensor): (N, 1, H, W) or (N, H, W) map of 1 (boundary),
            0 or ``ignore_index``.
        ignore_index (int): Label of pixels to skip. Default 255.

    Returns:
        Tensor: Scalar float32 loss, part of the graph even when 0.
    """
    owner = 'BoundaryBCELoss'
    check_4d(edge_logits, 'edge_logits', owner)
    if edge_logits.shape[1] != 1:
        raise ValueError(f'{owner}: edge_logits must have 1 channel, got '
                         f'shape {tuple(edge_logits.shape)}.')
    if edge_target.dim() == 3:
        edge_target = edge_target[:, None]
    if edge_target.dim() != 4 or edge_target.shape[1] != 1 \
            or edge_target.shape[0] != edge_logits.shape[0]:
        raise ValueError(
            f'{owner}: edge_target must be (N, 1, H, W) or (N, H, W) with '
            f'N = {edge_logits.shape[0]}, got {tuple(edge_target.shape)}.')
    if edge_target.is_floating_point():
        raise TypeError(f'{owner}: edge_target must be an integer map of '
                        f'0/1/ignore_index, got {edge_target.dtype}.')
    positive = edge_target == 1
    negative = edge_target == 0
    valid = positive | negative
    message = (f'{owner}: edge_target holds values other than 0, 1 and '
               f'the ignore index {ignore_index}.')
    assert_on_device(((edge_target == ignore_index) | valid).all(), message,
                     lambda: ValueError(message))
    with autocast_disabled(edge_logits):
        logits = resize_to(edge_logits.float(), edge_target.shape[2:])
        num_pos = positive.sum().float()
        num_neg = negative.sum().float()
        num_valid = (num_pos + num_neg).clamp(min=1.0)
        # positives are weighted by the share of negatives and vice versa
        weight = torch.where(positive, num_neg / num_valid,
                             torch.where(negative, num_pos / num_valid, 0.0))
        loss = F.binary_cross_entropy_with_logits(
            logits, positive.float(), weight=weight, reduction='sum')
        return loss / num_valid


@MODELS.register_module()
class BoundaryBCELoss(nn.Module):
    """Class-balanced boundary BCE of Gated-SCNN's shape stream
    (:func:`boundary_bce_loss`); the official weight is 20.

    Args:
        loss_weight (float): Weight of the loss. Default 1.0.
        ignore_index (int): Label of pixels to skip. Default 255.
        loss_name (str): Name of the loss item. Default ``'loss_edge'``.
    """

    def __init__(self,
                 loss_weight: float = 1.0,
                 ignore_index: int = 255,
                 loss_name: str = 'loss_edge') -> None:
        super().__init__()
        self.loss_weight = loss_weight
        self.ignore_index = ignore_index
        self._loss_name = loss_name

    def forward(self,
                edge_logits: Tensor,
                edge_target: Tensor,
                ignore_index: Optional[int] = None) -> Tensor:
        """Weighted :func:`boundary_bce_loss` (same tensors);
        ``ignore_index`` overrides ``self.ignore_index``.
        """
        if ignore_index is None:
            ignore_index = self.ignore_index
        return self.loss_weight * boundary_bce_loss(
            edge_logits, edge_target, ignore_index=ignore_index)

    @property
    def loss_name(self) -> str:
        """Name of the loss item (the key in the losses dict)."""
        return self._loss_name
