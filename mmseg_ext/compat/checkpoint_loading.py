# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Safe loading of mmengine's own checkpoints under torch>=2.6.

Since torch 2.6, ``torch.load`` defaults to ``weights_only=True``. mmengine
0.10.7 calls ``torch.load(filename, map_location=...)`` for local files, and
the checkpoints it writes hold more than tensors: the message hub's
``HistoryBuffer`` objects (with ``getattr(HistoryBuffer, 'min')``-style
references to their statistics methods) and numpy scalars and arrays. So
``tools/test.py CONFIG CKPT`` and ``--resume`` fail with
``UnpicklingError: Weights only load failed``.

This module re-registers mmengine's loader for local paths with one that
keeps ``weights_only=True`` and allows, only for the duration of that call,
exactly the extra globals mmengine's checkpoints contain:

* ``mmengine.logging.HistoryBuffer``;
* numpy arrays, dtypes and scalars (``ndarray``, ``dtype``, the concrete
  ``numpy.dtypes.*DType`` classes, ``_reconstruct``, ``scalar``);
* ``builtins.getattr`` *restricted* to reading a statistics method off
  ``HistoryBuffer`` (any other use is refused).

Anything else (``os.system``, arbitrary classes, ...) is still refused by
PyTorch's weights-only unpickler, and the error names the file. URLs keep
mmengine's and PyTorch's own loading untouched. A user who trusts a file
that needs more can still opt out globally with PyTorch's own
``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1``.
"""
import os.path as osp
from typing import Any, Callable, List, Optional, Tuple, Union

import numpy as np
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader

_SafeGlobal = Union[Callable, Tuple[Callable, str]]


def _history_buffer_getattr(obj: Any, name: str) -> Any:
    """``getattr`` as seen by the unpickler: HistoryBuffer methods only."""
    if (isinstance(obj, type) and issubclass(obj, HistoryBuffer)
            and isinstance(name, str) and not name.startswith('_')
            and callable(getattr(obj, name, None))):
        return getattr(obj, name)
    raise torch.serialization.pickle.UnpicklingError(
        f'checkpoint asks for getattr({obj!r}, {name!r}); only HistoryBuffer '
        'statistics methods are allowed')


def _numpy_globals() -> List[_SafeGlobal]:
    core = getattr(np, '_core', None) or np.core
    items: List[_SafeGlobal] = [np.ndarray, np.dtype]
    for mod_name in ('numpy._core.multiarray', 'numpy.core.multiarray'):
        items.append(
            (core.multiarray._reconstruct, f'{mod_name}._reconstruct'))
        items.append((core.multiarray.scalar, f'{mod_name}.scalar'))
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        items += [
            getattr(dtypes, n) for n in dir(dtypes) if n.endswith('DType')
        ]
    return items


def mmengine_safe_globals() -> List[_SafeGlobal]:
    """The globals allowed on top of PyTorch's weights-only defaults."""
    return [HistoryBuffer,
            (_history_buffer_getattr, 'builtins.getattr')] + _numpy_globals()


def load_from_local_safe(
        filename: str,
        map_location: Optional[Union[str, Callable]] = None) -> Any:
    """``torch.load`` a local mmengine checkpoint with the extended list.

    Args:
        filename (str): Local path.
        map_location: Same as :func:`torch.load`.

    Returns:
        The unpickled checkpoint (usually a dict).

    Raises:
        FileNotFoundError: ``filename`` is not a file.
        pickle.UnpicklingError: The file needs globals outside the allowed
            set; the message names the file.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    try:
        with torch.serialization.safe_globals(mmengine_safe_globals()):
            return torch.load(
                filename, map_location=map_location, weights_only=True)
    except torch.serialization.pickle.UnpicklingError as e:
        raise torch.serialization.pickle.UnpicklingError(
            f'Refusing to unpickle {filename}: it holds objects beyond '
            'tensors, mmengine run state and numpy values, so loading it '
            'could run arbitrary code. If you trust this file, convert it '
            'with a trusted tool or set TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1 '
            f'for this run. PyTorch said: {e}') from e


def install() -> None:
    """Use :func:`load_from_local_safe` for mmengine's local-path scheme."""
    CheckpointLoader.register_scheme(
        prefixes='', force=True)(
            load_from_local_safe)


__all__ = ['install', 'load_from_local_safe', 'mmengine_safe_globals']
