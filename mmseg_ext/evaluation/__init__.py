# Copyright (c) mmseg_ext contributors. All rights reserved.
from .metrics import BoundaryFScore, BoundaryIoU

__all__ = ['BoundaryFScore', 'BoundaryIoU']
