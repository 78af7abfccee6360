# Copyright (c) mmseg_ext contributors. All rights reserved.
"""The embedded synthetic demo data: a procedural street-scene painter
(:mod:`.scene`) and the writer of its Cityscapes-layout dataset
(:mod:`.cityscapes`), which ``DemoCityscapesDataset`` runs on first use."""
from .cityscapes import DemoDataError, generate_demo_cityscapes, read_manifest
from .scene import render_scene

__all__ = [
    'DemoDataError', 'generate_demo_cityscapes', 'read_manifest',
    'render_scene'
]
