# Copyright (c) mmseg_ext contributors. All rights reserved.
from .run_config import (enable_visualization, finish_message, load_run_config,
                         parse_cfg_options, resolve_resume, set_iou_output_dir)

__all__ = [
    'enable_visualization', 'finish_message', 'load_run_config',
    'parse_cfg_options', 'resolve_resume', 'set_iou_output_dir'
]
