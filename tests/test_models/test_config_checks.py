# Copyright (c) mmseg_ext contributors. All rights reserved.
"""The shared configuration checks on their own (the heads' and the hook's
use of them is tested with each head and in tests/test_engine)."""
import re

import pytest
import torch
from mmseg.registry import MODELS

from mmseg_ext.models.utils import (ConfigMismatchError, check_channel_counts,
                                    check_head_channels, check_in_index_length,
                                    check_input_channels, check_label_values)


def _feats(*channels):
    return [torch.zeros(1, c, 4, 4) for c in channels]


class _Head:
    """The attributes of a ``BaseDecodeHead`` the check reads."""

    def __init__(self, in_channels, in_index, input_transform):
        self.in_index = in_index
        self.input_transform = input_transform
        self.in_channels = (
            sum(in_channels)
            if input_transform == 'resize_concat' else in_channels)


def test_in_index_length():
    check_in_index_length('H', [1, 2], [0, 1])
    with pytest.raises(ConfigMismatchError, match='H: in_channels lists 2'):
        check_in_index_length('H', [1, 2], [0, 1, 2])


@pytest.mark.parametrize('transform,in_channels,in_index,ok', [
    (None, 8, 2, True),
    (None, 6, 2, False),
    ('multiple_select', [4, 8], [1, 2], True),
    ('multiple_select', [8, 4], [1, 2], False),
    ('resize_concat', [4, 8], [1, 2], True),
    ('resize_concat', [4, 4], [1, 2], False),
])
def test_input_channels_for_each_input_transform(transform, in_channels,
                                                 in_index, ok):
    head = _Head(in_channels, in_index, transform)
    feats = _feats(2, 4, 8)
    if ok:
        check_input_channels(head, feats)
    else:
        with pytest.raises(
                ConfigMismatchError,
                match=re.escape(f'_Head: in_channels={head.in_channels} at')):
            check_input_channels(head, feats)


def test_extra_channel_inputs_are_checked_with_in_channels():
    """Heads that read features outside ``in_index`` (Gated-SCNN's fine
    stage) declare them; the same check covers them, from feature maps or
    from a neck's channel list."""
    head = _Head(8, 2, None)
    head.extra_channel_inputs = lambda: [('fine_in_channels', 0, 2)]
    check_channel_counts(head, [2, 4, 8])
    check_input_channels(head, _feats(2, 4, 8))
    with pytest.raises(
            ConfigMismatchError,
            match=r"_Head: fine_in_channels=2 at output 0, but the neck's "
            r'in_channels gives 3 there.*Fix `model.decode_head.'
            r'fine_in_channels`'):
        check_channel_counts(head, [3, 4, 8], source="the neck's in_channels")
    head.extra_channel_inputs = lambda: [('fine_in_channels', 5, 2)]
    with pytest.raises(
            ConfigMismatchError,
            match='fine_in_channels is read at output 5 but the backbone '
            'gives 3 outputs'):
        check_input_channels(head, _feats(2, 4, 8))


def test_head_channels_names_the_auxiliary_head():
    model = MODELS.build(
        dict(
            type='EncoderDecoder',
            backbone=dict(type='ResNet', depth=18, base_channels=8),
            decode_head=dict(
                type='FCNHead',
                in_channels=64,
                in_index=3,
                channels=4,
                num_classes=3),
            auxiliary_head=[
                dict(
                    type='FCNHead',
                    in_channels=32,
                    in_index=2,
                    channels=4,
                    num_classes=3),
                dict(
                    type='FCNHead',
                    in_channels=99,
                    in_index=1,
                    channels=4,
                    num_classes=3)
            ]))
    with pytest.raises(
            ConfigMismatchError,
            match=r'auxiliary_head\[1\] \(FCNHead\): in_channels=99 at '
            r'in_index=1, but the backbone gives \[16\]'):
        check_head_channels(model, _feats(8, 16, 32, 64))


def test_label_values():
    labels = [torch.tensor([[0, 255], [2, 1]]), torch.tensor([3, -1, 9, 9])]
    check_label_values('H', labels[:1], 3)
    with pytest.raises(
            ConfigMismatchError,
            match=r'H: num_classes=3 but the labels hold \[-1, 3, 9\]'):
        check_label_values('H', labels, 3)
    # A custom ignore index is respected.
    check_label_values('H', torch.tensor([0, 1, 7]), 2, ignore_index=7)


def test_head_mixins_follow_the_documented_order():
    """docs/architecture.md, "Adding a head": at most one mixin per head,
    ``LabelCheckMixin``, before every mmseg class, with the overridden
    method's signature."""
    import inspect

    from mmseg.models.decode_heads.decode_head import BaseDecodeHead

    from mmseg_ext.models import decode_heads
    from mmseg_ext.models.utils import LabelCheckMixin
    checked = set()
    for name in dir(decode_heads):
        cls = getattr(decode_heads, name)
        if not (isinstance(cls, type) and issubclass(cls, BaseDecodeHead)):
            continue
        mixins = [b for b in cls.__mro__ if b.__name__.endswith('Mixin')]
        assert mixins in ([], [LabelCheckMixin]), (name, mixins)
        if mixins:
            first_mmseg = next(i for i, b in enumerate(cls.__mro__)
                               if b.__module__.startswith('mmseg.'))
            assert cls.__mro__.index(LabelCheckMixin) < first_mmseg, name
            checked.add(name)
    assert checked >= {
        'GSCNNHead', 'GSCNNSepASPPHead', 'PSPUpsampleHead', 'RefineNetHead',
        'LightWeightRefineNetHead'
    }
    assert (list(inspect.signature(
        LabelCheckMixin.loss_by_feat).parameters) == list(
            inspect.signature(BaseDecodeHead.loss_by_feat).parameters))
