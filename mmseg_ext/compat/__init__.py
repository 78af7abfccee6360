# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Make mmseg 1.2.2 + mmengine 0.10.7 + mmcv(-lite) 2.1.0 work on torch 2.x.

``import mmseg_ext`` has exactly these global side effects of this
package, each applied only where it is needed and none undoing what a user
set (the package's modules also register into mmseg's registries, and the
``local_atomic`` file backend into mmengine's: ``mmseg_ext.engine``):

1. :mod:`.mmcv_ops`: when mmcv has no compiled extension (mmcv-lite), a
   stand-in ``mmcv.ops`` goes into ``sys.modules`` (pure-PyTorch versions
   of the two ops mmseg imports eagerly), and mmcv-lite's import warning is
   replaced by one line. With a full mmcv nothing is touched.
2. :mod:`.checkpoint_loading`: mmengine's loader for local checkpoint paths
   is replaced by a safe one, unless a user registered their own.
3. :func:`register_config_package`: ``mmseg_ext`` is added to mmengine's
   table of packages whose configs ``_base_ = ['pkg::path']`` may name
   (nothing else in that table changes), and mmengine's config parser
   finds ``mmseg_ext``'s ``.mim`` folder where the package is imported
   from (an editable install included).

The same stand-in (1) and config changes (3) are made before ``import
mmseg_ext`` by :mod:`.import_hook`, which every install runs at
interpreter start-up through ``mmseg_ext-import-hook.pth``.
"""
from . import checkpoint_loading, import_hook, mmcv_ops


def register_config_package() -> bool:
    """Let configs inherit ours with ``_base_ = ['mmseg_ext::...']``.

    mmengine 0.10 only resolves ``pkg::`` for packages in its
    ``MODULE2PACKAGE`` table, and looks for the package's ``.mim`` folder
    at its distribution's location, which is not the package for an
    editable install. This adds ``mmseg_ext`` to the table if missing and
    makes the config parser's ``get_installed_path`` answer the imported
    package's folder for ``mmseg_ext`` (:mod:`.import_hook`).

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
