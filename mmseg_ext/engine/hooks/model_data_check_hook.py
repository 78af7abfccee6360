# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Catch config mistakes before the first training forward."""
from typing import Sequence

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmseg.registry import HOOKS

# ConfigMismatchError is re-exported: mmseg_ext.engine exposes it.
from mmseg_ext.models.utils.config_checks import (  # noqa: F401
    ConfigMismatchError, check_head_channels, check_num_classes)


@HOOKS.register_module()
class ModelDataCheckHook(Hook):
    """Fail fast, with a clear message, on configs that cannot work.

    Before training (or testing) it checks, without touching the weights:

    * every decode/auxiliary head's ``in_channels`` against the channels the
      backbone (and neck) actually produce at its ``in_index`` (one forward
      of a small zero image in eval mode, under ``no_grad``), so also for
      auxiliary heads that only run in training;
    * every head's ``num_classes`` against the dataset's ``classes``.

    The checks are those of :mod:`mmseg_ext.models.utils.config_checks`,
    which the package's heads also run at build, forward and loss time;
    the hook runs them earlier, before the first iteration, and adds the
    dataset-level class count.

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
