# Copyright (c) mmseg_ext contributors. All rights reserved.
"""The three shape-stream terms of the Gated-SCNN objective, as one module.

`Gated-SCNN <https://arxiv.org/abs/1907.05740>`_, Sec. 3.4: besides the
head's cross-entropy, ``loss_edge`` (lambda_1, boundary BCE),
``loss_dual`` (lambda_3, dual task) and ``loss_edge_att`` (lambda_4, edge
attention). ``ShapeStreamEncoderDecoder`` applies them to the logits of any
decode head, hence not in a head.
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

    Args:
        loss_edge (dict, optional): Boundary loss; None drops the term.
            Default: ``BoundaryBCELoss`` with weight 20.
        loss_edge_att (dict, optional): Edge-attention CE. Default:
            ``EdgeAttentionLoss`` with threshold 0.8, weight 1.
        loss_dual (dict, optional): Dual-task loss. Default: ``DualTaskLoss``.
        ignore_index (int): For the terms that set none (the segmentor passes
            its decode head's). Default: 255.
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
        """The enabled terms, keyed by ``loss_name`` (shared names summed).

        Args:
            seg_logits (Tensor): (N, C, h, w) logits of the decode head.
            edge_logits (Tensor): (N, 1, h', w') boundary logits.
            seg_label (Tensor): (N, H, W) class ids.
            edge_target (Tensor, optional): (N, 1, H, W) target in {0, 1,
                ignore}; required with ``loss_edge``.
            align_corners (bool): The decode head's, for the resizes.

        Returns:
            dict[str, Tensor]: Scalar losses.
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
