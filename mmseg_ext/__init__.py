# Copyright (c) mmseg_ext contributors. All rights reserved.
"""mmseg_ext: PSPNet variants, RefineNet and Gated-SCNN for MMSegmentation.

Importing the package (directly, or through
``custom_imports=dict(imports=['mmseg_ext'], allow_failed_imports=False)`` in
a config) first makes the pinned stack work (see :mod:`mmseg_ext.compat`),
then registers every module into mmseg's registries.
"""
from .compat import apply_compat

apply_compat()

# The imports below exist for registration into mmseg's registries.
from . import apis  # noqa: E402,F401
from . import datasets  # noqa: E402,F401
from . import engine  # noqa: E402,F401
from . import evaluation  # noqa: E402,F401
from . import models  # noqa: E402,F401
from . import visualization  # noqa: E402,F401
from .version import __version__  # noqa: E402

__all__ = ['__version__']
