# Copyright (c) mmseg_ext contributors. All rights reserved.
from .checkpoint_files import (AtomicLocalBackend, atomic_write,
                               find_latest_complete_checkpoint,
                               is_complete_checkpoint)
from .hooks import *  # noqa: F401,F403

__all__ = [
    'AtomicLocalBackend', 'atomic_write', 'find_latest_complete_checkpoint',
    'is_complete_checkpoint'
]
