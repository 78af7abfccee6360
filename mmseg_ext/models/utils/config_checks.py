# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Configuration checks shared by the heads and ``ModelDataCheckHook``.

Each check lives here once, so a bad config fails with the module, the key
and the expected vs actual value, with or without the hook.
"""
from typing import Callable, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmseg.utils import SampleList
from torch import Tensor


class ConfigMismatchError(ValueError):
    """The model and the data/backbone of a config do not fit together."""


def _as_list(x) -> list:
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _owner(head: nn.Module, name: Optional[str]) -> str:
    kind = type(head).__name__
    return f'{name} ({kind})' if name else kind


def check_in_index_length(owner: str, in_channels, in_index) -> None:
    """Build-time check that ``in_channels`` and ``in_index`` pair up
    (mmseg only asserts it).

    Args:
        owner (str): Name of the head (its class name).
        in_channels (int | Sequence[int]): The config's ``in_channels``.
        in_index (int | Sequence[int]): The config's ``in_index``.

    Raises:
        ConfigMismatchError: If the two lists differ in length.
    """
    channels, index = _as_list(in_channels), _as_list(in_index)
    if len(channels) != len(index):
        raise ConfigMismatchError(
            f'{owner}: in_channels lists {len(channels)} stages '
            f'({list(channels)}) but in_index lists {len(index)} '
            f'({list(index)}); give one channel count per selected stage')


def check_channel_counts(head: nn.Module,
                         available: Sequence[int],
                         name: Optional[str] = None,
                         source: str = 'the backbone') -> None:
    """Compare a head's channel settings with the channels of the features
    it reads: ``in_channels`` at ``in_index`` for each ``input_transform``
    of ``BaseDecodeHead``, plus the extra inputs a head declares through
    ``extra_channel_inputs()`` (``(setting, feature index, channels)``).

    Args:
        head (nn.Module): A head with ``in_channels`` and ``in_index``.
        available (Sequence[int]): Channels of every feature given to the
            head, in order.
        name (str, optional): Where the head sits, for the message.
        source (str): What gives the features, for the message.

    Raises:
        ConfigMismatchError: Naming the head, the setting, the index and
            both counts.
    """
    owner = _owner(head, name)
    got_all, n = list(available), len(available)
    where = name or 'decode_head'
    index = _as_list(head.in_index)
    if any(not -n <= i < n for i in index):
        raise ConfigMismatchError(
            f'{owner}: in_index={head.in_index} but {source} gives {n} '
            f'outputs (channels {got_all})')
    got = [got_all[i] for i in index]
    expected = head.in_channels
    concat = getattr(head, 'input_transform', None) == 'resize_concat'
    if concat:
        ok = sum(got) == sum(_as_list(expected))
    else:
        ok = _as_list(expected) == got
    if not ok:
        detail = ' (resize_concat: their sum)' if concat else ''
        if isinstance(expected, (list, tuple)) and len(expected) == len(got):
            i = next(i for i, (e, g) in enumerate(zip(expected, got))
                     if e != g)
            detail = (f' (first mismatch: in_index {index[i]} expects '
                      f'{expected[i]} channels, got {got[i]})')
        raise ConfigMismatchError(
            f'{owner}: in_channels={expected} at in_index={head.in_index}, '
            f'but {source} gives {got} there{detail}; channels of all '
            f'outputs: {got_all}. Fix `model.{where}.in_channels` or '
            '`in_index`.')
    extra = getattr(head, 'extra_channel_inputs', None)
    for key, i, channels in (extra() if extra else []):
        if not -n <= i < n:
            raise ConfigMismatchError(
                f'{owner}: {key} is read at output {i} but {source} gives '
                f'{n} outputs (channels {got_all})')
        if got_all[i] != channels:
            raise ConfigMismatchError(
                f'{owner}: {key}={channels} at output {i}, but {source} '
                f'gives {got_all[i]} there; channels of all outputs: '
                f'{got_all}. Fix `model.{where}.{key}`.')


def check_input_channels(head: nn.Module,
                         inputs: Sequence[Tensor],
                         name: Optional[str] = None,
                         source: str = 'the backbone') -> None:
    """:func:`check_channel_counts` on the features themselves, each
    (N, C_i, H_i, W_i), at a head's first forward."""
    if torch.jit.is_tracing():
        return  # traced sizes: the trace runs at the example's own shapes
    check_channel_counts(head, [int(f.shape[1]) for f in inputs], name, source)


def check_stages_finest_first(head: nn.Module,
                              feats: Sequence[Tensor]) -> None:
    """Check that the selected stages are listed finest first.

    Heads that refine coarse stages with finer ones (RefineNet) would build a
    different network from a reversed ``in_index``. Equal sizes are fine.

    Args:
        head (nn.Module): The head (for its name and ``in_index``).
        feats (Sequence[Tensor]): Selected features, each (N, C_i, H_i, W_i).

    Raises:
        ConfigMismatchError: Naming the sizes and the expected order.
    """
    if torch.jit.is_tracing():
        return  # traced sizes: the trace runs at the example's own shapes
    sizes: List[Tuple[int, int]] = [tuple(f.shape[-2:]) for f in feats]
    for i in range(1, len(sizes)):
        if sizes[i][0] > sizes[i - 1][0] or sizes[i][1] > sizes[i - 1][1]:
            raise ConfigMismatchError(
                f'{type(head).__name__}: in_index={head.in_index} selects '
                f'stages of sizes {sizes}; they must be listed finest first '
                '(largest size / smallest stride first, e.g. strides 4, 8, '
                '16, 32), so reverse in_index and in_channels')


def assert_on_device(ok: Tensor, message: str,
                     error: Callable[[], Exception]) -> None:
    """Fail when the bool scalar ``ok`` is False, without a host sync.

    On a CPU tensor ``torch._assert_async`` raises at once and ``error()``
    (built only then) is raised instead; on CUDA it is a device-side assert
    with ``message``, reported at the next synchronising call.

    Args:
        ok (Tensor): 0-dim bool tensor, True when the input is valid.
        message (str): The assertion message.
        error (Callable[[], Exception]): Builds the exception for CPU tensors.
    """
    try:
        torch._assert_async(ok, message)
    except RuntimeError:
        raise error() from None


def check_label_values(owner: str,
                       labels: Union[Tensor, Sequence[Tensor]],
                       num_classes: int,
                       ignore_index: int = 255) -> None:
    """Check that labels are in ``[0, num_classes)`` or ``ignore_index``.

    Otherwise torch's loss fails with ``Target 10 is out of bounds`` or a
    device-side assert, naming neither the head nor ``num_classes``. Runs
    through :func:`assert_on_device`: no host round trip.

    Args:
        owner (str): The module whose loss gets the labels.
        labels (Tensor | Sequence[Tensor]): Integer label maps of any shapes.
        num_classes (int): The module's ``num_classes``.
        ignore_index (int): The label that is ignored. Default 255.

    Raises:
        ConfigMismatchError: Naming the module, ``num_classes`` and, for CPU
            tensors, the offending values.
    """
    if isinstance(labels, Tensor):
        labels = [labels]
    flat = torch.cat([label.reshape(-1) for label in labels])
    bad = (flat != ignore_index) & ((flat < 0) | (flat >= num_classes))
    advice = (f'outside [0, {num_classes}) and not '
              f'ignore_index={ignore_index}. Set num_classes to the '
              "dataset's class count, or map these labels to ignore_index.")

    def error() -> ConfigMismatchError:
        values = torch.unique(flat[bad]).tolist()
        shown = values[:10] + (['...'] if len(values) > 10 else [])
        return ConfigMismatchError(
            f'{owner}: num_classes={num_classes} but the labels hold '
            f'{shown}, {advice}')

    assert_on_device(
        ~bad.any(), f'{owner}: num_classes={num_classes} but the labels '
        f'hold values {advice}', error)


class LabelCheckMixin:
    """Checks the label ids (:func:`check_label_values`) before the loss.

    The package's only head mixin. List it first, before ``BaseDecodeHead``
    or its subclass (``class MyHead(LabelCheckMixin, BaseDecodeHead)``), so
    that its ``loss_by_feat``, which has ``BaseDecodeHead``'s signature,
    runs before the base's and passes the same arguments on.
    """

    def loss_by_feat(self, seg_logits: Tensor,
                     batch_data_samples: SampleList) -> dict:
        """``BaseDecodeHead.loss_by_feat`` after :func:`check_label_values`
        on the ``gt_sem_seg`` of ``batch_data_samples``.
        """
        check_label_values(
            type(self).__name__,
            [sample.gt_sem_seg.data for sample in batch_data_samples],
            self.num_classes, self.ignore_index)
        return super().loss_by_feat(seg_logits, batch_data_samples)


def segmentor_heads(model: nn.Module) -> List[Tuple[str, nn.Module]]:
    """``(config key, head)`` for the decode and auxiliary heads."""
    heads = []
    if getattr(model, 'decode_head', None) is not None:
        heads.append(('decode_head', model.decode_head))
    aux = getattr(model, 'auxiliary_head', None)
    if isinstance(aux, nn.ModuleList):
        heads += [(f'auxiliary_head[{i}]', h) for i, h in enumerate(aux)]
    elif aux is not None:
        heads.append(('auxiliary_head', aux))
    return heads


def check_head_channels(model: nn.Module, feats: Sequence[Tensor]) -> None:
    """:func:`check_input_channels` for every head of a segmentor, on
    ``feats = model.extract_feat(...)``.

    Raises:
        ConfigMismatchError: For the first head that does not fit.
    """
    source = 'the backbone' + (' + neck'
                               if getattr(model, 'with_neck', False) else '')
    for name, head in segmentor_heads(model):
        if hasattr(head, 'in_index') and hasattr(head, 'in_channels'):
            check_input_channels(head, feats, name=name, source=source)


def check_num_classes(model: nn.Module, dataset, split: str) -> None:
    """Compare the dataset's ``classes`` with every head's ``num_classes``.

    Args:
        model (nn.Module): An ``EncoderDecoder``-like segmentor.
        dataset: A dataset with ``metainfo['classes']`` (skipped if none).
        split (str): ``'train'``, ``'val'`` or ``'test'``, for the message.

    Raises:
        ConfigMismatchError: Naming the head, both counts and the keys.
    """
    classes = (getattr(dataset, 'metainfo', None) or {}).get('classes')
    if not classes:
        return
    for name, head in segmentor_heads(model):
        num = getattr(head, 'num_classes', None)
        if num is not None and num != len(classes):
            raise ConfigMismatchError(
                f'{_owner(head, name)} has num_classes={num} but the {split} '
                f'dataset ({type(dataset).__name__}) has {len(classes)} '
                f'classes ({", ".join(map(str, classes[:5]))}'
                f'{", ..." if len(classes) > 5 else ""}). Set '
                f'`model.{name}.num_classes={len(classes)}` or the '
                "dataset's `metainfo.classes`.")
