# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Make mmseg 1.2.2 + mmengine 0.10.7 + mmcv(-lite) 2.1.0 work on torch 2.x.

``import mmseg_ext`` has these global side effects besides registering
modules (and the ``local_atomic`` file backend), each only where needed
and none undoing a user's setting (docs/architecture.md):

1. :mod:`.mmcv_ops`: without compiled mmcv ops, a stand-in ``mmcv.ops``.
2. :mod:`.checkpoint_loading`: a safe loader for local checkpoint paths.
3. :func:`register_config_package`: ``mmseg_ext::`` config inheritance.

:mod:`.import_hook` makes (1) and (3) at interpreter start-up, through
``mmseg_ext-import-hook.pth``.
"""
from . import checkpoint_loading, import_hook, mmcv_ops


def register_config_package() -> bool:
    """Let configs inherit ours with ``_base_ = ['mmseg_ext::...']``.

    Adds ``mmseg_ext`` to mmengine's ``MODULE2PACKAGE`` table if missing, and
    makes the config parser's ``get_installed_path`` answer the imported
    package's folder (an editable install's too).

    Returns:
        bool: Whether ``mmseg_ext`` is in the table after the call.
    """
    from mmengine.config import config as config_module
    from mmengine.config import utils as config_utils
    import_hook.register_in_config_table(config_utils)
    import_hook.patch_installed_path(config_module)
    return config_utils.MODULE2PACKAGE.get('mmseg_ext') == 'mmseg_ext'


def apply_compat() -> None:
    """Apply every layer (idempotent)."""
    mmcv_ops.install()
    checkpoint_loading.install()
    register_config_package()


__all__ = [
    'apply_compat', 'checkpoint_loading', 'import_hook', 'mmcv_ops',
    'register_config_package'
]
