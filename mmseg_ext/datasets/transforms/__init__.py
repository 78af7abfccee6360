# Copyright (c) mmseg_ext contributors. All rights reserved.
from .check_seg_map import CheckSegMap
from .generate_seg_boundary import GenerateSegBoundary
from .load_checked_annotations import (LoadCheckedAnnotations,
                                       UnreadableLabelMapError)
from .remap_labels import RemapLabels

__all__ = [
    'CheckSegMap', 'GenerateSegBoundary', 'LoadCheckedAnnotations',
    'RemapLabels', 'UnreadableLabelMapError'
]
