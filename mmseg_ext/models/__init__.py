# Copyright (c) mmseg_ext contributors. All rights reserved.
# Imports exist for registration into mmseg.registry.MODELS.
from . import backbones  # noqa: F401
from . import decode_heads  # noqa: F401
from . import losses  # noqa: F401
from . import necks  # noqa: F401
from . import segmentors  # noqa: F401
