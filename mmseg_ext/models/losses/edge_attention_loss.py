# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Edge-attention loss: segmentation CE on predicted boundaries."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmseg.registry import MODELS
from torch import Tensor

from .boundary_loss_utils import (autocast_disabled, check_4d, check_class_ids,
                                  label_map, resize_to)


def _grid_coordinate(index: Tensor, length: int, align_corners: bool,
                     dtype: torch.dtype) -> Tensor:
    """``grid_sample`` coordinate in [-1, 1] of pixel ``index`` of a
    ``length``-pixel axis, as ``F.interpolate`` maps output pixels."""
    index = index.to(dtype)
    if align_corners:
        return 2.0 * index / max(length - 1, 1) - 1.0
    return 2.0 * (index + 0.5) / length - 1.0


def sample_selected(logits: Tensor, selected: Tensor,
                    align_corners: bool) -> Tensor:
    """Logits bilinearly resized to the mask's size, at its true pixels.

    Equal to ``resize(logits, selected.shape[1:])`` followed by indexing
    with ``selected`` (the bilinear ``F.interpolate``), but it samples only
    the selected pixels: for sparse boundary masks a fraction of the cost
    of resizing all ``C`` channels to the label size (forward and
    backward).

    Args:
        logits (Tensor): ``(N, C, h, w)`` float logits.
        selected (Tensor): ``(N, H, W)`` bool mask.
        align_corners (bool): As in ``F.interpolate``.

    Returns:
        Tensor: ``(S, C)``, ``S = selected.sum()``, in the order of
        ``selected.nonzero()``.
    """
    height, width = selected.shape[1:]
    if tuple(logits.shape[2:]) == (height, width):
        return logits.permute(0, 2, 3, 1)[selected]
    batch, row, col = selected.nonzero(as_tuple=True)
    if batch.numel() == 0:
        return logits.new_zeros(0, logits.shape[1])
    counts = selected.flatten(1).sum(1)
    # slot of each point among its image's points
    slot = torch.arange(batch.numel(), device=batch.device) \
        - (counts.cumsum(0) - counts)[batch]
    grid = logits.new_zeros(logits.shape[0], 1, int(counts.max()), 2)
    grid[batch, 0, slot, 0] = _grid_coordinate(col, width, align_corners,
                                               grid.dtype)
    grid[batch, 0, slot, 1] = _grid_coordinate(row, height, align_corners,
                                               grid.dtype)
    sampled = F.grid_sample(
        logits,
        grid,
        mode='bilinear',
        padding_mode='border',
        align_corners=align_corners)  # (N, C, 1, max count)
    return sampled[:, :, 0].permute(0, 2, 1)[batch, slot]


def edge_attention_loss(seg_logits: Tensor,
                        seg_label: Tensor,
                        edge_logits: Tensor,
                        threshold: float = 0.8,
                        ignore_index: int = 255,
                        align_corners: bool = False) -> Tensor:
    """Cross-entropy on the pixels the shape stream calls boundaries.

    Gated-SCNN's regulariser from the boundaries to the segmentation (the
    paper's :math:`L^{reg\\leftarrow}`, weight :math:`\\lambda_4`): with
    :math:`\\sigma(e)` the predicted boundary probability, :math:`\\hat y`
    the one-hot label and :math:`p` the segmentation probabilities,

    .. math::

        L = \\frac{1}{|S|} \\sum_{j \\in S} -\\sum_k \\hat y_j^k
            \\log p_j^k, \\qquad
        S = \\{ j : \\sigma(e_j) > \\mathrm{thrs},\\ y_j \\ne
            \\mathrm{ignore} \\}.

    The selection :math:`S` is a hard mask computed without gradient, as in
    the official code: no gradient flows into ``edge_logits``; the loss
    trains the segmentation on the predicted boundaries only. When
    :math:`S` is empty the loss is 0 (the official code returns NaN).
    The logits are sampled bilinearly at the pixels of :math:`S` only
    (:func:`sample_selected`), not resized whole to the label size.

    Args:
        seg_logits (Tensor): ``(N, C, H', W')`` segmentation logits;
            resized bilinearly to the label size if needed.
        seg_label (Tensor): ``(N, H, W)`` (or ``(N, 1, H, W)``) class ids.
        edge_logits (Tensor): ``(N, 1, H'', W'')`` boundary logits;
            resized bilinearly to the label size if needed.
        threshold (float): :math:`\\mathrm{thrs}` on the boundary
            probability. Default 0.8.
        ignore_index (int): Label of pixels to skip. Default 255.
        align_corners (bool): Of the bilinear resizes (pass the head's).

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
    check_class_ids(label, seg_logits.shape[1], ignore_index, owner)
    with autocast_disabled(seg_logits):
        with torch.no_grad():
            edge = resize_to(edge_logits.detach().float(), label.shape[1:],
                             align_corners)
            selected = (edge[:, 0].sigmoid() > threshold) \
                & (label != ignore_index)
        logits = sample_selected(seg_logits.float(), selected, align_corners)
        if logits.shape[0] == 0:
            # an empty selection gives a 0 that is still part of the graph
            return seg_logits.float().sum() * 0.0
        return F.cross_entropy(logits, label[selected])


@MODELS.register_module()
class EdgeAttentionLoss(nn.Module):
    """Edge-attention loss of Gated-SCNN (:math:`L^{reg\\leftarrow}`).

    See :func:`edge_attention_loss`. Gradients flow into the segmentation
    logits only; the edge logits act as a (non-differentiable) selection.

    Args:
        threshold (float): Boundary-probability threshold ``thrs`` above
            which a pixel is supervised. Default 0.8 (official value).
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
        """Compute the weighted loss.

        Args:
            seg_logits (Tensor): ``(N, C, H', W')`` segmentation logits.
            seg_label (Tensor): ``(N, H, W)`` class ids.
            edge_logits (Tensor): ``(N, 1, H'', W'')`` boundary logits.
            ignore_index (int, optional): Overrides ``self.ignore_index``.
            align_corners (bool): Of the bilinear resizes to the label
                size.

        Returns:
            Tensor: Scalar float32 loss.
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
