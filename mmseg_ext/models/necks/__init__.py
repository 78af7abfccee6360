# Copyright (c) mmseg_ext contributors. All rights reserved.
from .gated_shape_stream import GatedShapeStream  # noqa: F401
