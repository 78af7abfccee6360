# Copyright (c) mmseg_ext contributors. All rights reserved.
from .adaptive_avg_pool import AdaptiveAvgPool2d, bin_pooling_matrix

__all__ = ['AdaptiveAvgPool2d', 'bin_pooling_matrix']
