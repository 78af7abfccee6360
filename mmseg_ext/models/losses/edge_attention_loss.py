# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Edge-attention loss: segmentation CE on predicted boundaries."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmseg.registry import MODELS
from torch import Tensor

from .boundary_loss_utils import (autocast_disabled, check_4d, label_map,
                                  resize_to)


def edge_attention_loss(seg_logits: Tensor,
                        seg_label: Tensor,
                        edge_logits: Tensor,
                        threshold: float = 0.8,
                        ignore_index: int = 255,
                        align_corners: bool = False) -> Tensor:
    """Cross-entropy on the pixels the shape stream calls boundaries.

    `Gated-SCNN <https://arxiv.org/abs/1907.05740>`_'s
    :math:`L^{reg\\leftarrow}`: the mean CE over
    ``S = {j : sigmoid(e_j) > threshold, y_j != ignore}``.
    ``S`` is a hard mask (no gradient into ``edge_logits``) applied to the
    dense CE, so shapes stay fixed and nothing is read back; an empty ``S``
    gives 0 (docs/gscnn_losses.md).

    Args:
        seg_logits (Tensor): (N, C, H', W') logits, resized to the label.
        seg_label (Tensor): (N, H, W) or (N, 1, H, W) class ids.
        edge_logits (Tensor): (N, 1, H'', W'') boundary logits, resized too.
        threshold (float): On the boundary probability. Default 0.8.
        ignore_index (int): Label of pixels to skip. Default 255.
        align_corners (bool): Of the resizes (pass the head's).

    Returns:
        Tensor: Scalar float32 loss, part of the graph even when 0.
    """
    owner = 'EdgeAttentionLoss'
    check_4d(seg_logits, 'seg_logits', owner)
    check_4d(edge_logits, 'edge_logits', owner)
    label = label_map(seg_label, seg_logits.shape[0], owner)
    if edge_logits.shape[0] != seg_logits.shape[0] \
            or edge_logits.shape[1] != 1:
        raise ValueError(
            f'{owner}: edge_logits must be (N, 1, H, W) with N = '
            f'{seg_logits.shape[0]}, got {tuple(edge_logits.shape)}.')
    with autocast_disabled(seg_logits):
        with torch.no_grad():
            edge = resize_to(edge_logits.detach().float(), label.shape[1:],
                             align_corners)
            selected = (edge[:, 0].sigmoid() > threshold) \
                & (label != ignore_index)
            target = torch.where(selected, label, ignore_index)
        logits = resize_to(seg_logits.float(), label.shape[1:], align_corners)
        # summed over S only (an empty S gives a 0 still in the graph)
        loss = F.cross_entropy(
            logits, target, ignore_index=ignore_index, reduction='sum')
        return loss / selected.sum().clamp(min=1)


@MODELS.register_module()
class EdgeAttentionLoss(nn.Module):
    """Edge-attention loss of Gated-SCNN (:func:`edge_attention_loss`).

    Args:
        threshold (float): Boundary probability above which a pixel is
            supervised. Default 0.8 (official).
        loss_weight (float): Weight of the loss. Default 1.0.
        ignore_index (int): Label of pixels to skip. Default 255.
        loss_name (str): Name of the loss item. Default ``'loss_edge_att'``.
    """

    def __init__(self,
                 threshold: float = 0.8,
                 loss_weight: float = 1.0,
                 ignore_index: int = 255,
                 loss_name: str = 'loss_edge_att') -> None:
        super().__init__()
        if not 0.0 <= threshold < 1.0:
            raise ValueError('EdgeAttentionLoss: threshold must be in '
                             f'[0, 1), got {threshold!r}.')
        self.threshold = threshold
        self.loss_weight = loss_weight
        self.ignore_index = ignore_index
        self._loss_name = loss_name

    def forward(self,
                seg_logits: Tensor,
                seg_label: Tensor,
                edge_logits: Tensor,
                ignore_index: Optional[int] = None,
                align_corners: bool = False) -> Tensor:
        """Weighted :func:`edge_attention_loss` (same tensors);
        ``ignore_index`` overrides ``self.ignore_index``.
        """
        if ignore_index is None:
            ignore_index = self.ignore_index
        return self.loss_weight * edge_attention_loss(
            seg_logits,
            seg_label,
            edge_logits,
            threshold=self.threshold,
            ignore_index=ignore_index,
            align_corners=align_corners)

    @property
    def loss_name(self) -> str:
        """Name of the loss item (the key in the losses dict)."""
        return self._loss_name
