# Copyright (c) mmseg_ext contributors. All rights reserved.
from .gated_shape_stream import GatedShapeStream  # noqa: F401
from .shape_stream_features import (ShapeStreamFeatures,  # noqa: F401
                                    as_shape_stream_features)
