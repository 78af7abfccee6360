# Copyright (c) mmseg_ext contributors. All rights reserved.
from .inference import show_result_pyplot
from .inferencer import MMSegExtInferencer
from .run_config import (enable_visualization, finish_message, load_run_config,
                         parse_cfg_options, resolve_resume, set_iou_output_dir)

__all__ = [
    'MMSegExtInferencer', 'show_result_pyplot', 'enable_visualization',
    'finish_message', 'load_run_config', 'parse_cfg_options', 'resolve_resume',
    'set_iou_output_dir'
]
