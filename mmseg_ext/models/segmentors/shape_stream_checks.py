# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Build-time checks of a ``ShapeStreamEncoderDecoder`` against its
heads: a config that cannot work fails at build, naming head and reason.
"""
from typing import Optional

import torch.nn as nn
from mmseg.models.decode_heads.decode_head import BaseDecodeHead

from ..utils.config_checks import check_channel_counts, segmentor_heads


def check_shape_stream_heads(model: nn.Module, edge_fusion: Optional[dict],
                             reads_stream: bool) -> None:
    """Refuse a shape-stream model whose heads cannot work with the stream.

    Args:
        model: The ``ShapeStreamEncoderDecoder`` being built.
        edge_fusion (dict, optional): The ``edge_fusion`` config given.
        reads_stream (bool): Whether the decode head reads the stream itself.

    Raises:
        TypeError: A decode head without mmseg's ``loss`` (``forward`` then
            ``loss_by_feat``), or a neck without ``in_channels``.
        ValueError: ``edge_fusion`` for a head that fuses itself, an unknown
            ``test_cfg.mode``, or channels that do not match the backbone.
    """
    head = model.decode_head
    name = type(head).__name__
    if not isinstance(head, BaseDecodeHead) or \
            type(head).loss is not BaseDecodeHead.loss:
        raise TypeError(
            f'ShapeStreamEncoderDecoder: decode_head {name} computes its '
            'own loss() (e.g. a cascade stage that needs the previous '
            "stage's output); the shape stream needs a BaseDecodeHead "
            "whose loss is mmseg's forward() + loss_by_feat(), so that its "
            'logits reach the dual-task and edge-attention losses')
    if reads_stream and edge_fusion is not None:
        raise ValueError(
            f'ShapeStreamEncoderDecoder: decode_head {name} fuses the '
            'shape stream into its own ASPP; edge_fusion is for heads that '
            'do not, leave it None')
    mode = (model.test_cfg or {}).get('mode', 'whole')
    if mode not in ('whole', 'slide'):
        raise ValueError("ShapeStreamEncoderDecoder: test_cfg.mode must be "
                         f"'whole' or 'slide', got {mode!r}")
    available = getattr(model.neck, 'in_channels', None)
    if not isinstance(available, (list, tuple)):
        raise TypeError(
            f'ShapeStreamEncoderDecoder: neck {type(model.neck).__name__} '
            'must expose in_channels (one per backbone output)')
    for head_name, h in segmentor_heads(model):
        check_channel_counts(h, available, head_name, "the neck's in_channels")
