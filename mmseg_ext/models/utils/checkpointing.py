# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Gradient checkpointing in mmseg's ``with_cp`` convention."""
from typing import Any, Callable

import torch
import torch.utils.checkpoint as cp


def maybe_checkpoint(function: Callable[..., Any], *args,
                     with_cp: bool) -> Any:
    """``function(*args)``, its activations recomputed in backward if asked.

    mmseg's ``with_cp``: non-reentrant ``torch.utils.checkpoint`` (parameters
    get gradients even when no input requires one); the plain call without
    autograd. BatchNorm inside updates its statistics in the recomputation
    too, as in mmseg.

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
