# Copyright (c) mmseg_ext contributors. All rights reserved.
from .image_gradient import CannyImageGradient, canny_edges, opencv_canny_edges

__all__ = ['CannyImageGradient', 'canny_edges', 'opencv_canny_edges']
