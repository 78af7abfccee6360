# Copyright (c) mmseg_ext contributors. All rights reserved.
from .check_seg_map import CheckSegMap

__all__ = ['CheckSegMap']
