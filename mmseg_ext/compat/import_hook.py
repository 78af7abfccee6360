# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Let scripts import mmseg and parse our configs before ``import mmseg_ext``.

mmseg 1.2.2 imports ``mmcv.ops`` at module level (``mmseg.utils``,
``mmseg.models``, ``mmseg.apis``), and mmcv-lite has no compiled
``mmcv._ext``, so a script that starts with ``from mmseg.apis import
init_model`` dies with ``No module named 'mmcv._ext'`` before it ever
reaches ``import mmseg_ext``. And mmseg's stock ``tools/train.py`` parses a
user's config (``_base_ = ['mmseg_ext::...']``) before it runs the
config's ``custom_imports``.

Every install, wheel or editable (``pip install -e .``), therefore puts
``mmseg_ext-import-hook.pth`` into site-packages (``setup.py``); its one
line loads this file and calls :func:`_activate_from_pth` at interpreter
start-up, which calls :func:`activate`: :class:`ImportHookFinder` goes to
the front of ``sys.meta_path``. It does nothing until one of three modules
is imported, then:

* ``mmcv.ops``: with a full mmcv (``mmcv._ext`` importable) it steps aside
  and the real ``mmcv.ops`` is imported; with mmcv-lite it serves the
  stand-in of :mod:`mmseg_ext.compat.mmcv_ops` (the module ``import
  mmseg_ext`` installs), so the import order of a script does not matter;
* ``mmengine.config.utils``: adds ``mmseg_ext`` to its ``MODULE2PACKAGE``
  table, so ``_base_ = ['mmseg_ext::...']`` resolves;
* ``mmengine.config.config``: makes its ``get_installed_path`` answer the
  folder ``mmseg_ext`` is imported from (:func:`mmseg_ext_path`) for
  ``mmseg_ext``; mmengine's own answer, the distribution's location joined
  with the package name, does not exist for an editable install. Other
  packages get mmengine's answer.

``import mmseg_ext`` makes the same two mmengine changes
(:func:`mmseg_ext.compat.register_config_package`).

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


def mmseg_ext_path() -> str:
    """The folder of the ``mmseg_ext`` package that imports resolve to
    (site-packages for a wheel, the checkout for an editable install)."""
    spec = importlib.util.find_spec('mmseg_ext')
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(
            "mmseg_ext: cannot locate the package; install it with "
            "`pip install mmseg_ext` or `pip install -e .` in its checkout")
    return os.path.dirname(spec.origin)


def patch_installed_path(module) -> None:
    """Make ``module.get_installed_path`` (mmengine's, as imported into
    ``mmengine.config.config``) answer :func:`mmseg_ext_path` for
    ``mmseg_ext`` (idempotent)."""
    original = getattr(module, 'get_installed_path', None)
    if original is None or getattr(original, 'mmseg_ext_patch', False):
        return

    def get_installed_path(package: str) -> str:
        if package == 'mmseg_ext':
            return mmseg_ext_path()
        return original(package)

    get_installed_path.mmseg_ext_patch = True
    get_installed_path.__wrapped__ = original
    module.get_installed_path = get_installed_path


def register_in_config_table(module) -> None:
    """Add ``mmseg_ext`` to ``module.MODULE2PACKAGE`` (mmengine's
    ``mmengine.config.utils``), leaving every other entry alone."""
    table = getattr(module, 'MODULE2PACKAGE', None)
    if isinstance(table, dict):
        table.setdefault('mmseg_ext', 'mmseg_ext')


#: Module -> what to do to it right after it is executed.
_AFTER_IMPORT = {
    'mmengine.config.utils': register_in_config_table,
    'mmengine.config.config': patch_installed_path,
}


class _AfterExecLoader(importlib.abc.Loader):
    """Runs the real loader of a module, then ``after(module)``."""

    def __init__(self, loader, after):
        self.loader = loader
        self.after = after

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        self.loader.exec_module(module)
        self.after(module)

    def __getattr__(self, name):
        return getattr(self.loader, name)


class ImportHookFinder(importlib.abc.MetaPathFinder):
    """Serves the stand-in ``mmcv.ops`` when mmcv has no compiled ops, and
    adjusts two mmengine modules as they are imported (module docstring)."""

    mmseg_ext_finder = True

    def _wrapped_spec(self, fullname, path, target):
        for finder in sys.meta_path:
            if getattr(finder, 'mmseg_ext_finder', False):
                continue
            find = getattr(finder, 'find_spec', None)
            spec = find(fullname, path, target) if find else None
            if spec is not None and spec.loader is not None:
                spec.loader = _AfterExecLoader(spec.loader,
                                               _AFTER_IMPORT[fullname])
                return spec
        return None

    def find_spec(self, fullname, path=None, target=None):
        if fullname in _AFTER_IMPORT:
            return self._wrapped_spec(fullname, path, target)
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
    """Insert :class:`ImportHookFinder` first in ``sys.meta_path``
    (idempotent).

    Returns:
        bool: Whether the finder is active after the call.
    """
    if os.environ.get(DISABLE_ENV, '0').lower() in ('1', 'true', 'yes'):
        return False
    # A marker, not isinstance: the .pth line loads this file on its own.
    if not any(getattr(f, 'mmseg_ext_finder', False) for f in sys.meta_path):
        sys.meta_path.insert(0, ImportHookFinder())
    return True


def _activate_from_pth() -> None:
    """Entry point of the ``.pth`` line; never breaks interpreter start-up."""
    try:
        activate()
    except Exception:  # pragma: no cover - defensive
        pass
