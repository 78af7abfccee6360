# Copyright (c) mmseg_ext contributors. All rights reserved.
from .boundary_fscore import BoundaryFScore
from .boundary_iou import BoundaryIoU

__all__ = ['BoundaryFScore', 'BoundaryIoU']
