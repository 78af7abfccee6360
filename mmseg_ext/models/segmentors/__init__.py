# Copyright (c) mmseg_ext contributors. All rights reserved.
from .shape_stream_encoder_decoder import \
    ShapeStreamEncoderDecoder  # noqa: F401
from .shape_stream_tta import ShapeStreamTTAModel  # noqa: F401
