# Copyright (c) mmseg_ext contributors. All rights reserved.
from .class_presence_head import ClassPresenceHead  # noqa: F401
from .gscnn_head import GSCNNHead  # noqa: F401
from .gscnn_sep_aspp_head import GSCNNSepASPPHead  # noqa: F401
from .lw_refinenet_head import LightWeightRefineNetHead  # noqa: F401
from .psp_upsample_head import PSPUpsampleHead  # noqa: F401
from .refinenet_head import RefineNetHead  # noqa: F401
