# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Make mmseg 1.2.2 + mmengine 0.10.7 + mmcv(-lite) 2.1.0 work on torch 2.x.

* :mod:`.mmcv_ops`: pure-PyTorch stand-ins for the ``mmcv.ops`` names mmseg
  imports eagerly, installed only when mmcv has no compiled extension.
* :mod:`.checkpoint_loading`: safe ``torch.load`` of the checkpoints that
  mmengine itself writes, under torch>=2.6's ``weights_only`` default.
"""
from . import checkpoint_loading, mmcv_ops


def apply_compat() -> None:
    """Apply both layers (idempotent)."""
    mmcv_ops.install()
    checkpoint_loading.install()


__all__ = ['apply_compat', 'checkpoint_loading', 'mmcv_ops']
