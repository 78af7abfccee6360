# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Safe loading of mmengine's own checkpoints, on every torch from 2.0 on.

mmengine 0.10.7 loads local checkpoints with a bare ``torch.load``: torch
< 2.6 unpickles anything, torch >= 2.6 refuses mmengine's own checkpoints.
:func:`load_from_local_safe` loads tensors, PyTorch's weights-only types
and :func:`mmengine_safe_globals` on every version, and refuses anything
else naming the file. The mechanism is chosen by feature:
``torch.serialization.safe_globals`` (scoped) where it exists, else a
restricted ``pickle_module`` (:class:`RestrictedUnpickler`).
``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1`` opts out. docs/compatibility.md
lists the allowed globals and why.
"""
import _compat_pickle
import codecs
import os
import os.path as osp
import pickle
import types
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

import numpy as np
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader

_SafeGlobal = Union[Callable, Tuple[Callable, str]]

#: PyTorch's own opt-out of weights-only loading (honoured on every torch).
FORCE_UNSAFE_ENV = 'TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD'


def _history_buffer_getattr(obj: Any, name: str) -> Any:
    """``getattr`` as seen by the unpickler: HistoryBuffer methods only."""
    if (isinstance(obj, type) and issubclass(obj, HistoryBuffer)
            and isinstance(name, str) and not name.startswith('_')
            and callable(getattr(obj, name, None))):
        return getattr(obj, name)
    raise pickle.UnpicklingError(
        f'checkpoint asks for getattr({obj!r}, {name!r}); only HistoryBuffer '
        'statistics methods are allowed')


def _numpy_globals() -> List[_SafeGlobal]:
    # numpy 2 keeps these in numpy._core; numpy 1.26 has a numpy._core stub
    # without them. Pickles name either module, whichever numpy wrote them.
    multiarray = getattr(getattr(np, '_core', None), 'multiarray', None)
    if multiarray is None:
        multiarray = np.core.multiarray
    items: List[_SafeGlobal] = [np.ndarray, np.dtype]
    for mod_name in ('numpy._core.multiarray', 'numpy.core.multiarray'):
        items.append((multiarray._reconstruct, f'{mod_name}._reconstruct'))
        items.append((multiarray.scalar, f'{mod_name}.scalar'))
    dtypes = getattr(np, 'dtypes', None)  # numpy >= 1.25
    if dtypes is not None:
        items += [
            getattr(dtypes, n) for n in dir(dtypes) if n.endswith('DType')
        ]
    return items


def mmengine_safe_globals() -> List[_SafeGlobal]:
    """The globals allowed on top of PyTorch's weights-only defaults.

    Returns:
        list: Objects, or ``(object, 'module.qualname')`` pairs where the
        name a pickle uses differs from the object's own.
    """
    return [HistoryBuffer,
            (_history_buffer_getattr, 'builtins.getattr')] + _numpy_globals()


def _qualified(item: _SafeGlobal) -> Tuple[str, Callable]:
    if isinstance(item, tuple):
        return item[1], item[0]
    return f'{item.__module__}.{item.__qualname__}', item


def _torch_weights_only_globals() -> Dict[str, Any]:
    """PyTorch's own weights-only allow-list, ``'module.name' -> object``."""
    from torch import _weights_only_unpickler as wou
    return dict(wou._get_allowed_globals())


class RestrictedUnpickler(pickle.Unpickler):
    """A pickle unpickler that resolves only allow-listed globals, for
    torch without a scoped weights-only allow-list (``torch.load`` resolves
    storages itself; every other global goes through :meth:`find_class`).
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._allowed = _restricted_globals()  # once per file, not per global

    def find_class(self, module: str, name: str) -> Any:
        # Protocol-2 pickles (torch.save's default) name Python 2 modules,
        # e.g. ``__builtin__``: map them as pickle.Unpickler itself does.
        if (module, name) in _compat_pickle.NAME_MAPPING:
            module, name = _compat_pickle.NAME_MAPPING[(module, name)]
        module = _compat_pickle.IMPORT_MAPPING.get(module, module)
        key = f'{module}.{name}'
        if key in self._allowed:
            return self._allowed[key]
        raise pickle.UnpicklingError(
            f'global {key!r} is not in the allowed set (PyTorch weights-only '
            'types, mmengine HistoryBuffer, numpy values)')


def _restricted_globals() -> Dict[str, Any]:
    # Plain builtins that newer torch allow-lists and older ones (2.1) do not:
    # ``_codecs.encode`` rebuilds ``bytes`` (numpy arrays in protocol 2).
    allowed = {
        '_codecs.encode': codecs.encode,
        'builtins.bytearray': bytearray,
        'builtins.set': set,
        'builtins.complex': complex,
    }
    allowed.update(_torch_weights_only_globals())
    allowed.update(_qualified(item) for item in mmengine_safe_globals())
    return allowed


def _restricted_load(file, **kwargs) -> Any:
    return RestrictedUnpickler(file, **kwargs).load()


#: A ``pickle_module`` for ``torch.load`` that only admits allowed globals.
restricted_pickle = types.ModuleType(
    'mmseg_ext_restricted_pickle',
    'pickle with find_class restricted to mmseg_ext.compat\'s allow-list')
restricted_pickle.Unpickler = RestrictedUnpickler
restricted_pickle.load = _restricted_load
restricted_pickle.UnpicklingError = pickle.UnpicklingError


def has_scoped_safe_globals() -> bool:
    """Whether torch offers ``torch.serialization.safe_globals``."""
    return hasattr(torch.serialization, 'safe_globals')


def _load_weights_only(filename: str, map_location) -> Any:
    if has_scoped_safe_globals():
        with torch.serialization.safe_globals(mmengine_safe_globals()):
            return torch.load(
                filename, map_location=map_location, weights_only=True)
    return torch.load(
        filename,
        map_location=map_location,
        pickle_module=restricted_pickle,
        weights_only=False)


def _force_unsafe() -> bool:
    return os.environ.get(FORCE_UNSAFE_ENV,
                          '0').lower() in ('1', 'true', 'yes')


def load_from_local_safe(
        filename: str,
        map_location: Optional[Union[str, Callable]] = None) -> Any:
    """``torch.load`` a local mmengine checkpoint, refusing other pickles.

    Args:
        filename (str): Local path.
        map_location: Same as :func:`torch.load`.

    Returns:
        The unpickled checkpoint (usually a dict).

    Raises:
        FileNotFoundError: ``filename`` is not a file.
        pickle.UnpicklingError: Globals outside the allowed set; the message
            names the file and the opt-out.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    if _force_unsafe():
        return torch.load(
            filename, map_location=map_location, weights_only=False)
    try:
        return _load_weights_only(filename, map_location)
    except pickle.UnpicklingError as e:
        raise pickle.UnpicklingError(
            f'Refusing to unpickle {filename}: it holds objects beyond '
            'tensors, mmengine run state and numpy values, so loading it '
            'could run arbitrary code. If you trust this file, convert it '
            f'with a trusted tool or set {FORCE_UNSAFE_ENV}=1 for this run. '
            f'The unpickler said: {e}') from e


def install() -> bool:
    """Use :func:`load_from_local_safe` for mmengine's local-path scheme,
    unless a user registered their own local loader; returns whether ours is
    the local loader after the call.
    """
    from mmengine.runner.checkpoint import load_from_local
    current = CheckpointLoader._schemes.get('')
    if current is load_from_local_safe:
        return True
    if current is not None and current is not load_from_local:
        return False
    CheckpointLoader.register_scheme(
        prefixes='', force=True)(
            load_from_local_safe)
    return True


__all__ = [
    'install', 'load_from_local_safe', 'mmengine_safe_globals',
    'has_scoped_safe_globals', 'restricted_pickle', 'RestrictedUnpickler',
    'FORCE_UNSAFE_ENV'
]
