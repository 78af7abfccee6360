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

    Before training or testing, without touching the weights: every head's
    ``in_channels`` against the features at its ``in_index`` (one no-grad
    probe forward, so auxiliary heads too), and every head's ``num_classes``
    against the dataset's classes
    (:mod:`mmseg_ext.models.utils.config_checks`).

    Args:
        probe_size (tuple[int, int]): Probe image size. Default (64, 64).
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
