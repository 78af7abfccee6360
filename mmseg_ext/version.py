# Copyright (c) mmseg_ext contributors. All rights reserved.
__version__ = '0.1.0'
