# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Count the host synchronisations of a training or test step.

On a GPU, every call that moves a value of a device tensor to Python
(``.item()``, ``bool(t)``, ``.tolist()``...) or whose output size depends on
tensor values (``nonzero``, boolean-mask indexing, ``unique``,
``masked_select``) waits for the launch queue to drain. The counter patches
those entry points, so it finds them on CPU tensors too, where a test can
run; it counts Python-level calls only (what the code under test writes).
Calls inside :data:`HOST_ONLY` functions are not counted: they run for CPU
tensors only (``CannyImageGradient`` dispatches to ``cv2.Canny`` there),
never on a GPU.
"""
import collections
import contextlib
import os.path as osp
import traceback
from typing import Counter, Iterator

import torch

#: ``torch.Tensor`` methods that read values back to the host.
TENSOR_METHODS = ('item', '__bool__', 'tolist', 'nonzero', '__int__',
                  '__float__', '__index__', 'cpu', 'numpy', 'unique',
                  'masked_select', 'argwhere')
#: ``torch`` functions that do the same.
TORCH_FUNCTIONS = ('equal', 'nonzero', 'unique', 'masked_select', 'argwhere',
                   'is_nonzero')

#: Functions taken for CPU tensors only, by device, never on a GPU.
HOST_ONLY = ('opencv_canny_edges', )


def _counted() -> bool:
    return not any(frame.name in HOST_ONLY
                   for frame in traceback.extract_stack())


def _site() -> str:
    """``file:line`` of the innermost frame outside torch and this file."""
    for frame in reversed(traceback.extract_stack()[:-2]):
        name = frame.filename
        if osp.basename(name) == 'host_syncs.py' \
                or f'{osp.sep}torch{osp.sep}' in name:
            continue
        return f'{name}:{frame.lineno}'
    return '<unknown>'


def _is_bool_index(index) -> bool:
    items = index if isinstance(index, tuple) else (index, )
    return any(
        isinstance(i, torch.Tensor) and i.dtype == torch.bool for i in items)


@contextlib.contextmanager
def count_host_syncs() -> Iterator[Counter]:
    """Patch the sync entry points; yield a Counter of call sites.

    A call made inside another counted call (``torch.equal`` inside
    ``__bool__``...) is counted once, at the outer call.
    """
    counts: Counter = collections.Counter()
    depth = [0]
    originals = {}

    def wrap(owner, name, test=None):
        original = getattr(owner, name)
        originals[(owner, name)] = original

        def patched(*args, **kwargs):
            if depth[0] == 0 and (test is None or test(*args, **kwargs)) \
                    and _counted():
                counts[f'{name} @ {_site()}'] += 1
            depth[0] += 1
            try:
                return original(*args, **kwargs)
            finally:
                depth[0] -= 1

        setattr(owner, name, patched)

    try:
        for name in TENSOR_METHODS:
            wrap(torch.Tensor, name)
        for name in TORCH_FUNCTIONS:
            wrap(torch, name)
        wrap(torch.Tensor, '__getitem__',
             lambda self, index: _is_bool_index(index))
        yield counts
    finally:
        for (owner, name), original in originals.items():
            setattr(owner, name, original)
