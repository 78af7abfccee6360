# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Gradient checkpointing in mmseg's ``with_cp`` convention."""
from typing import Any, Callable

import torch
import torch.utils.checkpoint as cp


def maybe_checkpoint(function: Callable[..., Any], *args,
                     with_cp: bool) -> Any:
    """``function(*args)``, its activations recomputed in backward if asked.

    mmseg's backbones take ``with_cp=True`` to trade compute for memory:
    the activations inside ``function`` are not stored but recomputed
    during the backward pass (``torch.utils.checkpoint``, non-reentrant,
    so parameters get gradients even when no input requires one). Outputs
    and gradients are those of the plain call; BatchNorm layers inside
    update their running statistics in the recomputation as well, as in
    mmseg's own ``with_cp`` blocks. Without autograd (inference,
    ``torch.no_grad``) it is the plain call.

    Args:
        function (Callable): The part to checkpoint, e.g. a module.
        *args: Its positional arguments.
        with_cp (bool): Checkpoint (True) or plain call (False).

    Returns:
        Whatever ``function`` returns.
    """
    if with_cp and torch.is_grad_enabled():
        return cp.checkpoint(function, *args, use_reentrant=False)
    return function(*args)
