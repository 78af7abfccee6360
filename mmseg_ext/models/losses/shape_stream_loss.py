# Copyright (c) mmseg_ext contributors. All rights reserved.
"""The three shape-stream terms of the Gated-SCNN objective, as one module.

`Gated-SCNN <https://arxiv.org/abs/1907.05740>`_ (Takikawa et al., ICCV
2019), Sec. 3.4, trains with four terms: the segmentation cross-entropy of
the decode head (its ``loss_decode``, as in every mmseg head) and three
terms that need the shape stream's boundary logits:

* ``loss_edge`` (``lambda_1``): class-balanced BCE of the boundary logits
  against the boundary target ``gt_edge_map``;
* ``loss_edge_att`` (``lambda_4``): cross-entropy of the segmentation
  where the stream predicts a boundary;
* ``loss_dual`` (``lambda_3``): the dual-task regulariser, boundaries of
  the predicted segmentation against those of the label.

:class:`~mmseg_ext.models.segmentors.ShapeStreamEncoderDecoder` owns one
:class:`ShapeStreamLoss` and applies it to the logits of *any* decode head,
which is why the terms live here and not in a head.
"""
from typing import Dict, Optional

import torch.nn as nn
from mmseg.registry import MODELS
from torch import Tensor

#: The official weights: lambda_1 = 20, lambda_3 = lambda_4 = 1.
DEFAULT_LOSS_EDGE = dict(type='BoundaryBCELoss', loss_weight=20.0)
DEFAULT_LOSS_EDGE_ATT = dict(
    type='EdgeAttentionLoss', threshold=0.8, loss_weight=1.0)
DEFAULT_LOSS_DUAL = dict(type='DualTaskLoss', loss_weight=1.0)


@MODELS.register_module()
class ShapeStreamLoss(nn.Module):
    """Boundary BCE, edge-attention and dual-task losses of Gated-SCNN.

    Each term is optional (``None`` drops it, e.g. for an ablation). Each
    term's ``ignore_index`` defaults to the one given here, which the
    segmentor sets to its decode head's.

    Args:
        loss_edge (dict, optional): Boundary loss on the edge logits.
            Default: ``BoundaryBCELoss`` with weight 20.
        loss_edge_att (dict, optional): Edge-attention CE. Default:
            ``EdgeAttentionLoss`` with threshold 0.8, weight 1.
        loss_dual (dict, optional): Dual-task loss. Default:
            ``DualTaskLoss`` with weight 1.
        ignore_index (int): Label ignored by the terms that do not set
            their own. Default: 255.
    """

    def __init__(self,
                 loss_edge: Optional[dict] = DEFAULT_LOSS_EDGE,
                 loss_edge_att: Optional[dict] = DEFAULT_LOSS_EDGE_ATT,
                 loss_dual: Optional[dict] = DEFAULT_LOSS_DUAL,
                 ignore_index: int = 255) -> None:
        super().__init__()

        def build(cfg: Optional[dict]) -> Optional[nn.Module]:
            if cfg is None:
                return None
            cfg = dict(cfg)
            cfg.setdefault('ignore_index', ignore_index)
            return MODELS.build(cfg)

        self.loss_edge = build(loss_edge)
        self.loss_edge_att = build(loss_edge_att)
        self.loss_dual = build(loss_dual)

    @property
    def needs_edge_target(self) -> bool:
        """Whether the data samples must carry ``gt_edge_map``."""
        return self.loss_edge is not None

    def forward(self,
                seg_logits: Tensor,
                edge_logits: Tensor,
                seg_label: Tensor,
                edge_target: Optional[Tensor] = None,
                align_corners: bool = False) -> Dict[str, Tensor]:
        """The enabled terms, keyed by each loss's ``loss_name``.

        Args:
            seg_logits (Tensor): (N, C, h, w) logits of the decode head.
            edge_logits (Tensor): (N, 1, h', w') shape-stream boundary
                logits.
            seg_label (Tensor): (N, H, W) class ids (and ignore).
            edge_target (Tensor, optional): (N, 1, H, W) boundary target in
                {0, 1, ignore}; required when ``loss_edge`` is set.
            align_corners (bool): ``align_corners`` of the decode head, for
                the resizes inside the edge-attention and dual-task terms.

        Returns:
            dict[str, Tensor]: Scalar losses; terms sharing a ``loss_name``
            are summed.
        """
        terms = []
        if self.loss_edge is not None:
            if edge_target is None:
                raise ValueError('ShapeStreamLoss: loss_edge needs the '
                                 'boundary target (gt_edge_map)')
            terms.append((self.loss_edge.loss_name,
                          self.loss_edge(edge_logits, edge_target)))
        if self.loss_edge_att is not None:
            terms.append((self.loss_edge_att.loss_name,
                          self.loss_edge_att(
                              seg_logits,
                              seg_label,
                              edge_logits,
                              align_corners=align_corners)))
        if self.loss_dual is not None:
            terms.append((self.loss_dual.loss_name,
                          self.loss_dual(
                              seg_logits,
                              seg_label,
                              align_corners=align_corners)))
        losses: Dict[str, Tensor] = {}
        for name, value in terms:
            losses[name] = losses[name] + value if name in losses else value
        return losses
