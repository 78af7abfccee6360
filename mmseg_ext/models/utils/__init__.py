# Copyright (c) mmseg_ext contributors. All rights reserved.
from .adaptive_avg_pool import AdaptiveAvgPool2d, bin_pooling_matrix
from .config_checks import (ConfigMismatchError, LabelCheckMixin,
                            check_channel_counts, check_head_channels,
                            check_in_index_length, check_input_channels,
                            check_label_values, check_num_classes,
                            check_stages_finest_first)
from .image_gradient import CannyImageGradient, canny_edges, opencv_canny_edges

__all__ = [
    'AdaptiveAvgPool2d', 'bin_pooling_matrix', 'ConfigMismatchError',
    'LabelCheckMixin', 'check_head_channels', 'check_in_index_length',
    'check_channel_counts', 'check_input_channels', 'check_label_values',
    'check_num_classes', 'check_stages_finest_first', 'CannyImageGradient',
    'canny_edges', 'opencv_canny_edges'
]
