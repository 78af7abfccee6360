# Copyright (c) mmseg_ext contributors. All rights reserved.
"""The Gated-SCNN shape-stream losses of a decode head.

`Gated-SCNN <https://arxiv.org/abs/1907.05740>`_ (Takikawa et al., ICCV
2019), Sec. 3.4 trains with four terms: the segmentation cross-entropy, the
boundary BCE on the shape stream (``lambda_1``), the dual-task regulariser
(``lambda_3``) and the edge-attention CE (``lambda_4``). The first comes
from the head's ``loss_decode`` as in every mmseg head; this mixin adds the
other three to ``loss_by_feat`` (each optional), reading the edge logits
from the named field of the neck output
(:class:`~mmseg_ext.models.necks.ShapeStreamFeatures`).
"""
from typing import Optional

import torch
from mmseg.registry import MODELS
from mmseg.utils import ConfigType, SampleList
from torch import Tensor

from ..necks.shape_stream_features import (ShapeStreamFeatures,
                                           as_shape_stream_features)


class ShapeStreamLossMixin:
    """Mixin for a ``BaseDecodeHead`` subclass (list it first in the bases).

    The head calls :meth:`_init_shape_stream_losses` in ``__init__``;
    ``loss`` and ``loss_by_feat`` come from here. A head with this mixin
    trains the shape stream, which is what ``ShapeStreamEncoderDecoder``
    checks at build.
    """

    def _init_shape_stream_losses(self, loss_edge: Optional[dict],
                                  loss_edge_att: Optional[dict],
                                  loss_dual: Optional[dict]) -> None:
        """Build the three optional losses (``ignore_index`` defaults to
        the head's)."""

        def build(cfg: Optional[dict]):
            if cfg is None:
                return None
            cfg = dict(cfg)
            cfg.setdefault('ignore_index', self.ignore_index)
            return MODELS.build(cfg)

        self.loss_edge = build(loss_edge)
        self.loss_edge_att = build(loss_edge_att)
        self.loss_dual = build(loss_dual)

    def loss(self, inputs: ShapeStreamFeatures, batch_data_samples: SampleList,
             train_cfg: ConfigType) -> dict:
        """Forward, then all losses (the edge logits come from the neck)."""
        inputs = as_shape_stream_features(inputs, type(self).__name__)
        seg_logits = self.forward(inputs)
        return self.loss_by_feat(seg_logits, batch_data_samples,
                                 inputs.edge_logits)

    def _stack_edge_gt(self, batch_data_samples: SampleList) -> Tensor:
        """(N, 1, H, W) boundary targets in {0, 1, ignore}."""
        if not all('gt_edge_map' in s for s in batch_data_samples):
            raise KeyError(
                f'{type(self).__name__}: loss_edge needs `gt_edge_map` in '
                'the data samples; add '
                "dict(type='GenerateSegBoundary', radius=2) to the train "
                'pipeline before PackSegInputs (or set loss_edge=None).')
        return torch.stack([s.gt_edge_map.data for s in batch_data_samples])

    def loss_by_feat(self,
                     seg_logits: Tensor,
                     batch_data_samples: SampleList,
                     edge_logits: Optional[Tensor] = None) -> dict:
        """mmseg's losses (``loss_decode``, ``acc_seg``) plus, when
        ``edge_logits`` is given, the shape-stream losses.

        Args:
            seg_logits (Tensor): (N, C, h, w) seg logits of the head.
            batch_data_samples (list[SegDataSample]): With ``gt_sem_seg``
                and, for ``loss_edge``, ``gt_edge_map``.
            edge_logits (Tensor, optional): (N, 1, h', w') shape-stream
                boundary logits.

        Returns:
            dict[str, Tensor]: Losses keyed by their ``loss_name``.
        """
        losses = super().loss_by_feat(seg_logits, batch_data_samples)
        if edge_logits is None:
            return losses
        terms = {}
        if self.loss_edge is not None:
            edge_gt = self._stack_edge_gt(batch_data_samples)
            terms[self.loss_edge.loss_name] = self.loss_edge(
                edge_logits, edge_gt)
        if self.loss_edge_att is not None or self.loss_dual is not None:
            # both resize the logits themselves, to what they need: the
            # selected pixels, the dual loss's comparison resolution
            seg_label = self._stack_batch_gt(batch_data_samples).squeeze(1)
            if self.loss_edge_att is not None:
                terms[self.loss_edge_att.loss_name] = self.loss_edge_att(
                    seg_logits,
                    seg_label,
                    edge_logits,
                    align_corners=self.align_corners)
            if self.loss_dual is not None:
                terms[self.loss_dual.loss_name] = self.loss_dual(
                    seg_logits, seg_label, align_corners=self.align_corners)
        for name, value in terms.items():
            losses[name] = losses[name] + value if name in losses else value
        return losses
