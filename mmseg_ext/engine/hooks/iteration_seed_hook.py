# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Make model-side randomness a function of (seed, iteration)."""
import random
from typing import Optional

import numpy as np
import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmseg.registry import HOOKS


@HOOKS.register_module()
class IterationSeedHook(Hook):
    """Re-seed the main process' RNGs before every training iteration.

    mmengine's checkpoints hold no RNG states, so after ``--resume`` dropout
    and Gumbel noise would drift from an uninterrupted run. Seeding torch,
    numpy and ``random`` from ``(seed, iteration, rank)`` makes them
    independent of interruptions (the dataloader workers are seeded by
    mmengine: keep ``num_workers >= 1`` for bit-exact resumes).

    Args:
        seed (int, optional): Base seed; defaults to the runner's seed.
    """

    priority = 'HIGHEST'

    def __init__(self, seed: Optional[int] = None) -> None:
        self.seed = seed

    def before_train_iter(self,
                          runner,
                          batch_idx: int,
                          data_batch: Optional[dict] = None) -> None:
        base = self.seed if self.seed is not None else runner.seed
        value = (int(base) * 1_000_003 + runner.iter * 7919 +
                 get_rank()) % (2**32)
        random.seed(value)
        np.random.seed(value)
        torch.manual_seed(value)
