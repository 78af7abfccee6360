# Copyright (c) mmseg_ext contributors. All rights reserved.
from .distributed import setup_cpu_distributed, sync_bn_to_bn

__all__ = ['setup_cpu_distributed', 'sync_bn_to_bn']
