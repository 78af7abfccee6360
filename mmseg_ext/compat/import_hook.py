# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Make ``import mmseg.apis`` work on mmcv-lite before ``import mmseg_ext``.

mmseg 1.2.2 imports ``mmcv.ops`` at module level (``mmseg.utils``,
``mmseg.models``, ``mmseg.apis``), and mmcv-lite has no compiled
``mmcv._ext``, so a script that starts with ``from mmseg.apis import
init_model`` dies with ``No module named 'mmcv._ext'`` before it ever
reaches ``import mmseg_ext``.

The wheel therefore installs ``mmseg_ext-mmcv-lite.pth`` into site-packages,
whose one line calls :func:`activate` at interpreter start-up. That puts
:class:`MmcvOpsFinder` at the front of ``sys.meta_path``. It does nothing
until something imports ``mmcv.ops``, and then:

* with a full mmcv (``mmcv._ext`` importable) it steps aside, and the real
  ``mmcv.ops`` is imported as usual;
* with mmcv-lite it provides the stand-in ``mmcv.ops`` of
  :mod:`mmseg_ext.compat.mmcv_ops` (the same module ``import mmseg_ext``
  installs), so the import order of a user's script no longer matters.

It also adds ``mmseg_ext`` to mmengine's ``MODULE2PACKAGE`` table right
after ``mmengine.config.utils`` is imported, so mmseg's stock
``tools/train.py`` resolves ``_base_ = ['mmseg_ext::...']`` in a user's
config, which mmengine parses before it runs the config's
``custom_imports`` (``import mmseg_ext`` adds the same entry).

This module imports only the standard library: it runs at start-up in
every Python process of the environment. ``MMSEG_EXT_NO_IMPORT_HOOK=1``
turns it off (then ``import mmseg_ext`` must come first on mmcv-lite).
"""
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys

DISABLE_ENV = 'MMSEG_EXT_NO_IMPORT_HOOK'
_OPS_MODULE = 'mmseg_ext.compat.mmcv_ops'


def _load_mmcv_ops_layer():
    """The :mod:`mmseg_ext.compat.mmcv_ops` module, without importing the
    (heavy) ``mmseg_ext`` package: loaded from its file under its own name,
    so a later ``import mmseg_ext`` reuses this very module."""
    if _OPS_MODULE in sys.modules:
        return sys.modules[_OPS_MODULE]
    path = os.path.join(
        os.path.dirname(os.path.abspath(__file__)), 'mmcv_ops.py')
    spec = importlib.util.spec_from_file_location(_OPS_MODULE, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[_OPS_MODULE] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[_OPS_MODULE]
        raise
    return module


class _StubLoader(importlib.abc.Loader):

    def create_module(self, spec):
        return _load_mmcv_ops_layer().make_stub_module()

    def exec_module(self, module):
        pass


class _ConfigTableLoader(importlib.abc.Loader):
    """Runs the real loader of ``mmengine.config.utils``, then adds
    ``mmseg_ext`` to its ``MODULE2PACKAGE`` table."""

    def __init__(self, loader):
        self.loader = loader

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        self.loader.exec_module(module)
        table = getattr(module, 'MODULE2PACKAGE', None)
        if isinstance(table, dict):
            table.setdefault('mmseg_ext', 'mmseg_ext')

    def __getattr__(self, name):
        return getattr(self.loader, name)


class MmcvOpsFinder(importlib.abc.MetaPathFinder):
    """Serves the stand-in ``mmcv.ops`` when mmcv has no compiled ops, and
    registers ``mmseg_ext`` in mmengine's config-package table."""

    mmseg_ext_finder = True

    def _config_utils_spec(self, fullname, path, target):
        for finder in sys.meta_path:
            if getattr(finder, 'mmseg_ext_finder', False):
                continue
            find = getattr(finder, 'find_spec', None)
            spec = find(fullname, path, target) if find else None
            if spec is not None and spec.loader is not None:
                spec.loader = _ConfigTableLoader(spec.loader)
                return spec
        return None

    def find_spec(self, fullname, path=None, target=None):
        if fullname == 'mmengine.config.utils':
            return self._config_utils_spec(fullname, path, target)
        if fullname != 'mmcv.ops':
            return None
        try:
            if importlib.util.find_spec('mmcv._ext') is not None:
                return None  # full mmcv: the real mmcv.ops
        except (ImportError, ValueError):
            pass
        return importlib.machinery.ModuleSpec(
            'mmcv.ops', _StubLoader(), is_package=True)


def activate() -> bool:
    """Insert :class:`MmcvOpsFinder` first in ``sys.meta_path`` (idempotent).

    Returns:
        bool: Whether the finder is active after the call.
    """
    if os.environ.get(DISABLE_ENV, '0').lower() in ('1', 'true', 'yes'):
        return False
    # A marker, not isinstance: the .pth line loads this file on its own.
    if not any(getattr(f, 'mmseg_ext_finder', False) for f in sys.meta_path):
        sys.meta_path.insert(0, MmcvOpsFinder())
    return True


def _activate_from_pth() -> None:
    """Entry point of the ``.pth`` line; never breaks interpreter start-up."""
    try:
        activate()
    except Exception:  # pragma: no cover - defensive
        pass
