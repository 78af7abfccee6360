# Copyright (c) mmseg_ext contributors. All rights reserved.
from .wider_resnet import WiderResNet  # noqa: F401
