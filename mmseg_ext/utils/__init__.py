# Copyright (c) mmseg_ext contributors. All rights reserved.
from .distributed import (close_distributed, setup_cpu_distributed,
                          sync_bn_to_bn)

__all__ = ['close_distributed', 'setup_cpu_distributed', 'sync_bn_to_bn']
