# Copyright (c) mmseg_ext contributors. All rights reserved.
from .inference import show_result_pyplot
from .inferencer import MMSegExtInferencer

__all__ = ['MMSegExtInferencer', 'show_result_pyplot']
