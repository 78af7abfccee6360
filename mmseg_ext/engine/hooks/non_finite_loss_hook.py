# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Stop (or skip the batch) on a NaN/Inf loss, naming what went wrong."""
import logging
from typing import List, Optional

import torch
import torch.distributed as dist
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmseg.registry import HOOKS


class NonFiniteLossError(RuntimeError):
    """Training stopped on a non-finite loss."""


@HOOKS.register_module()
class NonFiniteLossHook(Hook):
    """Guard against training on a NaN/Inf loss.

    Before each optimizer update a non-finite total loss is reported (the
    non-finite terms, the iteration, the batch's image paths), then
    ``action='stop'`` raises :class:`NonFiniteLossError` before the update,
    and ``'skip'`` drops the batch, stopping after ``max_skips`` in a row. All
    ranks agree, so DDP never waits on a rank that skipped. Works by wrapping
    the runner's model ``parse_losses`` and optimizer-wrapper
    ``update_params``.

    Args:
        action (str): ``'stop'`` or ``'skip'``.
        max_skips (int): Consecutive skips tolerated. Default 10.
    """

    priority = 'VERY_HIGH'

    def __init__(self, action: str = 'stop', max_skips: int = 10) -> None:
        if action not in ('stop', 'skip'):
            raise ValueError(f"action must be 'stop' or 'skip', got "
                             f'{action!r}')
        self.action = action
        self.max_skips = max_skips
        self._terms: dict = {}
        self._paths: List[str] = []
        self._iter = 0
        self._skipped_in_a_row = 0

    def before_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        parse_losses = model.parse_losses

        def recording_parse_losses(losses):
            self._terms = {
                k: v.detach() if isinstance(v, torch.Tensor) else v
                for k, v in losses.items()
            }
            return parse_losses(losses)

        model.parse_losses = recording_parse_losses
        optim_wrapper = runner.optim_wrapper
        update_params = optim_wrapper.update_params

        def guarded_update_params(loss, *args, **kwargs):
            if self._all_finite(loss):
                self._skipped_in_a_row = 0
                return update_params(loss, *args, **kwargs)
            return self._handle(runner, loss)

        optim_wrapper.update_params = guarded_update_params

    def before_train_iter(self,
                          runner,
                          batch_idx: int,
                          data_batch: Optional[dict] = None) -> None:
        self._iter = runner.iter + 1
        self._paths = []
        for sample in (data_batch or {}).get('data_samples', []):
            path = sample.metainfo.get('img_path')
            if path:
                self._paths.append(path)

    @staticmethod
    def _all_finite(loss: torch.Tensor) -> bool:
        finite = torch.isfinite(loss.detach()).all().float()
        if dist.is_available() and dist.is_initialized():
            dist.all_reduce(finite, op=dist.ReduceOp.MIN)
        return bool(finite.item() == 1.0)

    def describe(self, loss: torch.Tensor) -> str:
        bad = []
        for name, value in self._terms.items():
            values = value if isinstance(value, list) else [value]
            for v in values:
                if isinstance(v, torch.Tensor) and not torch.isfinite(v).all():
                    bad.append(f'{name}={v.float().mean().item()}')
        terms = ', '.join(bad) if bad else (
            'no term is non-finite on this process (another rank had one)'
            if torch.isfinite(loss).all() else f'total loss={loss.item()}')
        paths = ', '.join(self._paths) if self._paths else 'unknown'
        return (f'non-finite loss at iteration {self._iter}: {terms}; '
                f'batch images: {paths}')

    def _handle(self, runner, loss: torch.Tensor) -> None:
        message = self.describe(loss)
        runner.optim_wrapper.zero_grad()
        if self.action == 'stop':
            raise NonFiniteLossError(
                f'{message}. Training stopped before the update (the '
                "weights are untouched); use NonFiniteLossHook(action='skip')"
                ' to skip such batches instead.')
        self._skipped_in_a_row += 1
        print_log(
            f'{message}. Batch skipped ({self._skipped_in_a_row} in a row).',
            logger='current',
            level=logging.WARNING)
        if self._skipped_in_a_row > self.max_skips:
            raise NonFiniteLossError(
                f'{message}. More than {self.max_skips} batches in a row had '
                'a non-finite loss: stopping.')
