# Copyright (c) mmseg_ext contributors. All rights reserved.
"""A short RefineNet training on the demo data lowers the loss (slow)."""
import copy
import os.path as osp
from typing import List

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.hooks import Hook

from ..test_models.seg_head_test_base import loss_total
from ..tiny_runs import REPO_ROOT


class _FixedBatchLoss(Hook):
    """Loss of one fixed batch before and after training (same dropout
    mask both times), a less noisy measure than the per-iteration loss of
    random crops."""

    def __init__(self, batch_size: int = 4):
        self.batch_size = batch_size
        self.batch = None
        self.losses: List[float] = []

    def _measure(self, runner) -> None:
        model = runner.model
        with torch.no_grad():
            torch.manual_seed(0)
            data = model.data_preprocessor(copy.deepcopy(self.batch), True)
            self.losses.append(float(loss_total(model(**data, mode='loss'))))

    def before_train(self, runner) -> None:
        dataset = runner.train_dataloader.dataset
        self.batch = pseudo_collate(
            [dataset[i] for i in range(self.batch_size)])
        self._measure(runner)

    def after_train(self, runner) -> None:
        self._measure(runner)


@pytest.mark.slow
def test_demo_training_lowers_the_loss(tmp_path):
    from mmengine.runner import Runner
    cfg = Config.fromfile(
        osp.join(REPO_ROOT, 'configs', 'refinenet',
                 'refinenet_r18-c32_1xb4-1k_demo-cityscapes-256x512.py'))
    crop = (96, 96)
    cfg.work_dir = str(tmp_path)
    cfg.model.data_preprocessor.size = crop
    cfg.model.decode_head.channels = 16
    for t in cfg.train_dataloader.dataset.pipeline:
        if t['type'] == 'RandomResize':
            t['scale'], t['ratio_range'] = (256, 128), (0.75, 1.25)
        if t['type'] == 'RandomCrop':
            t['crop_size'] = crop
    cfg.train_dataloader.dataset.data_root = osp.join(REPO_ROOT, 'data',
                                                      'demo_cityscapes')
    cfg.train_dataloader.update(num_workers=0, persistent_workers=False)
    for key in ('val_dataloader', 'val_cfg', 'val_evaluator',
                'test_dataloader', 'test_cfg', 'test_evaluator'):
        cfg[key] = None
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=30)
    cfg.param_scheduler = None
    cfg.optim_wrapper.optimizer.lr = 1e-3
    cfg.default_hooks.checkpoint = None
    cfg.default_hooks.pop('visualization')
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=10)
    cfg.log_level = 'WARNING'
    runner = Runner.from_cfg(cfg)
    probe = _FixedBatchLoss()
    runner.register_hook(probe)
    threads = torch.get_num_threads()
    # Small convs: one thread avoids oversubscription on a busy CPU.
    torch.set_num_threads(1)
    try:
        runner.train()
    finally:
        torch.set_num_threads(threads)
    losses = runner.message_hub.get_scalar('train/loss').data[0]
    assert len(losses) == 30 and np.isfinite(losses).all()
    before, after = probe.losses
    assert after < 0.75 * before, (probe.losses, losses)
