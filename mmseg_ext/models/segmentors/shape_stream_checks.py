# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Build-time checks of a ``ShapeStreamEncoderDecoder`` against its
heads: a config that cannot work fails at build, naming head and reason.
"""
from typing import List, Optional, Sequence, Tuple

import torch.nn as nn
from mmseg.models.decode_heads.decode_head import BaseDecodeHead


def _expected_channels(head: nn.Module) -> List[Tuple[Tuple[int, ...], int]]:
    """(backbone feature indices, channels) a head expects there (summed
    over the indices for ``input_transform='resize_concat'``)."""
    if hasattr(head, 'feature_channels'):
        return [((i, ), c) for i, c in head.feature_channels()]
    index, channels = head.in_index, head.in_channels
    if not isinstance(index, (list, tuple)):
        return [((index, ), channels)]
    if isinstance(channels, (list, tuple)):  # 'multiple_select'
        return [((i, ), c) for i, c in zip(index, channels)]
    return [(tuple(index), channels)]  # 'resize_concat': the sum


def _check_channels(name: str, head: nn.Module,
                    available: Sequence[int]) -> None:
    """The head's ``in_channels`` against the backbone outputs it reads."""
    n = len(available)
    for indices, channels in _expected_channels(head):
        if not all(-n <= i < n for i in indices):
            raise ValueError(
                f'ShapeStreamEncoderDecoder: {name} ({type(head).__name__}) '
                f'reads backbone outputs {list(indices)}, but the neck has '
                f'{n} (neck.in_channels={list(available)})')
        got = sum(available[i] for i in indices)
        if channels != got:
            where = (f'at backbone output {indices[0]}' if len(indices) == 1
                     else f'in total at backbone outputs {list(indices)}')
            raise ValueError(
                f'ShapeStreamEncoderDecoder: {name} ({type(head).__name__}) '
                f'expects {channels} channels {where}, the neck is '
                f'configured for {got} (neck.in_channels={list(available)})')


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
    heads = [('decode_head', head)]
    if model.with_auxiliary_head:
        aux = model.auxiliary_head
        aux = list(aux) if isinstance(aux, nn.ModuleList) else [aux]
        heads += [(f'auxiliary_head[{i}]', h) for i, h in enumerate(aux)]
    for head_name, h in heads:
        _check_channels(head_name, h, available)
