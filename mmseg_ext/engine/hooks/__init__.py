# Copyright (c) mmseg_ext contributors. All rights reserved.
from .atomic_checkpoint_hook import AtomicCheckpointHook
from .edge_map_writer_hook import EdgeMapWriterHook
from .iteration_seed_hook import IterationSeedHook
from .model_data_check_hook import ConfigMismatchError, ModelDataCheckHook
from .non_finite_loss_hook import NonFiniteLossError, NonFiniteLossHook

__all__ = [
    'AtomicCheckpointHook', 'ConfigMismatchError', 'EdgeMapWriterHook',
    'IterationSeedHook', 'ModelDataCheckHook', 'NonFiniteLossError',
    'NonFiniteLossHook'
]
