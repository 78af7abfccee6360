# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Catch config mistakes before the first training forward."""
from typing import List, Sequence

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmseg.registry import HOOKS


class ConfigMismatchError(ValueError):
    """The model and the data/backbone of a config do not fit together."""


def _heads(model) -> List[tuple]:
    heads = []
    if getattr(model, 'decode_head', None) is not None:
        heads.append(('decode_head', model.decode_head))
    aux = getattr(model, 'auxiliary_head', None)
    if isinstance(aux, torch.nn.ModuleList):
        heads += [(f'auxiliary_head[{i}]', h) for i, h in enumerate(aux)]
    elif aux is not None:
        heads.append(('auxiliary_head', aux))
    return heads


def _as_list(x) -> list:
    return list(x) if isinstance(x, (list, tuple)) else [x]


def check_head_channels(model, feats: Sequence[torch.Tensor]) -> None:
    """Compare each head's ``in_channels`` with the features it selects.

    Args:
        model: An ``EncoderDecoder``-like segmentor.
        feats (Sequence[Tensor]): Output of ``model.extract_feat``.

    Raises:
        ConfigMismatchError: Naming the head, ``in_index``, expected and
            actual channels.
    """
    got_all = [f.shape[1] for f in feats]
    source = 'backbone' + (' + neck'
                           if getattr(model, 'with_neck', False) else '')
    for name, head in _heads(model):
        if not hasattr(head, 'in_index') or not hasattr(head, 'in_channels'):
            continue
        index = _as_list(head.in_index)
        if any(i >= len(feats) or i < -len(feats) for i in index):
            raise ConfigMismatchError(
                f'{name} ({type(head).__name__}): in_index={head.in_index} '
                f'but the {source} gives {len(feats)} outputs (channels '
                f'{got_all}).')
        got = [got_all[i] for i in index]
        expected = head.in_channels
        if getattr(head, 'input_transform', None) == 'resize_concat':
            ok = sum(got) == (
                sum(expected) if isinstance(expected,
                                            (list, tuple)) else expected)
        else:
            ok = _as_list(expected) == got
        if not ok:
            raise ConfigMismatchError(
                f'{name} ({type(head).__name__}): in_channels={expected} at '
                f'in_index={head.in_index}, but the {source} gives {got} '
                f'there (channels of all outputs: {got_all}). Fix '
                f'`model.{name}.in_channels` or `in_index`.')


def check_num_classes(model, dataset, split: str) -> None:
    """Compare the dataset's classes with the heads' ``num_classes``."""
    classes = (getattr(dataset, 'metainfo', None) or {}).get('classes')
    if not classes:
        return
    for name, head in _heads(model):
        num = getattr(head, 'num_classes', None)
        if num is None:
            continue
        if num != len(classes):
            raise ConfigMismatchError(
                f'{name} ({type(head).__name__}) has num_classes={num} but '
                f'the {split} dataset ({type(dataset).__name__}) has '
                f'{len(classes)} classes ({", ".join(map(str, classes[:5]))}'
                f'{", ..." if len(classes) > 5 else ""}). Set '
                f'`model.{name}.num_classes={len(classes)}` or the '
                "dataset's `metainfo.classes`.")


@HOOKS.register_module()
class ModelDataCheckHook(Hook):
    """Fail fast, with a clear message, on configs that cannot work.

    Before training (or testing) it checks, without touching the weights:

    * every decode/auxiliary head's ``in_channels`` against the channels the
      backbone (and neck) actually produce at its ``in_index`` (one forward
      of a small zero image in eval mode, under ``no_grad``);
    * every head's ``num_classes`` against the dataset's ``classes``.

    Args:
        probe_size (tuple[int, int]): Size of the probe image. Default
            (64, 64).
    """

    priority = 'VERY_HIGH'

    def __init__(self, probe_size: Sequence[int] = (64, 64)) -> None:
        self.probe_size = tuple(probe_size)

    def _model(self, runner):
        return runner.model.module if is_model_wrapper(
            runner.model) else runner.model

    def _check_channels(self, runner) -> None:
        model = self._model(runner)
        if not hasattr(model, 'extract_feat'):
            return
        param = next(model.parameters(), None)
        device = param.device if param is not None else 'cpu'
        probe = torch.zeros(1, 3, *self.probe_size, device=device)
        was_training = model.training
        model.eval()
        try:
            with torch.no_grad():
                feats = model.extract_feat(probe)
        finally:
            model.train(was_training)
        check_head_channels(model, list(feats))

    def before_train(self, runner) -> None:
        self._check_channels(runner)
        check_num_classes(
            self._model(runner), runner.train_dataloader.dataset, 'train')

    def before_test(self, runner) -> None:
        self._check_channels(runner)
        check_num_classes(
            self._model(runner), runner.test_dataloader.dataset, 'test')
