# Copyright (c) mmseg_ext contributors. All rights reserved.
from .edge_feature_fusion import EdgeFeatureFusion
from .gated_shape_stream import GatedShapeStream
from .shape_stream_features import (ShapeStreamFeatures,
                                    as_shape_stream_features)

__all__ = [
    'EdgeFeatureFusion', 'GatedShapeStream', 'ShapeStreamFeatures',
    'as_shape_stream_features'
]
