# Copyright (c) mmseg_ext contributors. All rights reserved.
from .boundary_bce_loss import BoundaryBCELoss  # noqa: F401
from .dual_task_loss import DualTaskLoss  # noqa: F401
from .edge_attention_loss import EdgeAttentionLoss  # noqa: F401
from .shape_stream_loss import ShapeStreamLoss  # noqa: F401
