# Copyright (c) mmseg_ext contributors. All rights reserved.
from .ade20k_25 import ADE20K25Dataset
from .camvid import CamVidDataset
from .checked_dataset import CheckedCityscapesDataset
from .demo_dataset import DemoCityscapesDataset
from .transforms import *  # noqa: F401,F403

__all__ = [
    'ADE20K25Dataset', 'CamVidDataset', 'CheckedCityscapesDataset',
    'DemoCityscapesDataset'
]
