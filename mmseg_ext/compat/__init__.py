# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Make mmseg 1.2.2 + mmengine 0.10.7 + mmcv(-lite) 2.1.0 work on torch 2.x.

``import mmseg_ext`` has exactly these global side effects, each applied
only where it is needed and none undoing what a user set:

1. :mod:`.mmcv_ops`: when mmcv has no compiled extension (mmcv-lite), a
   stand-in ``mmcv.ops`` goes into ``sys.modules`` (pure-PyTorch versions
   of the two ops mmseg imports eagerly), and mmcv-lite's import warning is
   replaced by one line. With a full mmcv nothing is touched. The same
   stand-in is served by :mod:`.import_hook` (installed as a ``.pth`` by the
   wheel) when mmseg is imported before mmseg_ext.
2. :mod:`.checkpoint_loading`: mmengine's loader for local checkpoint paths
   is replaced by a safe one, unless a user registered their own.
3. :func:`register_config_package`: ``mmseg_ext`` is added to mmengine's
   table of packages whose configs ``_base_ = ['pkg::path']`` may name
   (nothing else in that table changes).
"""
from . import checkpoint_loading, mmcv_ops


def register_config_package() -> bool:
    """Let configs inherit ours with ``_base_ = ['mmseg_ext::...']``.

    mmengine 0.10 only resolves ``pkg::`` for packages in its
    ``MODULE2PACKAGE`` table; this adds ``mmseg_ext`` to it if missing.

    Returns:
        bool: Whether ``mmseg_ext`` is in the table after the call.
    """
    from mmengine.config import utils as config_utils
    config_utils.MODULE2PACKAGE.setdefault('mmseg_ext', 'mmseg_ext')
    return config_utils.MODULE2PACKAGE['mmseg_ext'] == 'mmseg_ext'


def apply_compat() -> None:
    """Apply every layer (idempotent)."""
    mmcv_ops.install()
    checkpoint_loading.install()
    register_config_package()


__all__ = [
    'apply_compat', 'checkpoint_loading', 'mmcv_ops', 'register_config_package'
]
