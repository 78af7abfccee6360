# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Run the official Gated-SCNN code (nv-tlabs/GSCNN) next to ours.

Helpers of ``check_gscnn_parity.py`` and
``benchmark_vs_official_gscnn.py``: import the official
``network.gscnn`` from a checkout the user names (its folder goes on
``sys.path``: the official modules import each other by top-level name),
build the model, randomise its BatchNorm layers, and feed its ``forward``
a given image-gradient map instead of its ``cv2.Canny`` of the normalised
tensor (GSCNN issue 22), with ``Tensor.cuda`` a no-op on a CPU. Nothing of
the official code is copied here and nothing in its tree is modified.
This module imports only the standard library, numpy and torch.
"""
import contextlib
import importlib
import os.path as osp
import sys
import types
from typing import Iterator

import numpy as np
import torch


def _stub_missing(name: str, **attrs) -> None:
    """Insert a stand-in module when ``name`` cannot be imported."""
    try:
        importlib.import_module(name)
    except ImportError:
        parts = name.split('.')
        for i in range(1, len(parts) + 1):
            mod_name = '.'.join(parts[:i])
            module = sys.modules.setdefault(mod_name,
                                            types.ModuleType(mod_name))
            if i > 1:
                setattr(sys.modules['.'.join(parts[:i - 1])], parts[i - 1],
                        module)
        for key, value in attrs.items():
            setattr(sys.modules[name], key, value)


def _unused(*args, **kwargs):
    raise RuntimeError('stand-in: not used by the Gated-SCNN forward')


def import_official(root: str) -> types.ModuleType:
    """``network.gscnn`` of the official checkout at ``root`` (a path the
    user gives; its folder goes on ``sys.path`` because the official
    modules import each other by top-level name)."""
    if not osp.isfile(osp.join(root, 'network', 'gscnn.py')):
        raise SystemExit(f'error: {root} is not a nv-tlabs/GSCNN checkout '
                         '(no network/gscnn.py)')
    sys.path.insert(0, osp.abspath(root))
    _stub_missing('six', string_types=(str, ))
    _stub_missing('torchvision.transforms.functional', pad=_unused)
    return importlib.import_module('network.gscnn')


def build_official(module: types.ModuleType,
                   num_classes: int) -> torch.nn.Module:
    """The official ``GSCNN`` (eval mode)."""
    dropout = torch.nn.Dropout
    try:
        model = module.GSCNN(
            num_classes=num_classes, trunk=None, criterion=None)
    finally:
        torch.nn.Dropout = dropout  # the WRN constructor replaces it
    return model.eval()


def randomise_norm_layers(model: torch.nn.Module, seed: int) -> None:
    """Non-trivial BatchNorm statistics and affine parameters."""
    g = torch.Generator().manual_seed(seed)
    for m in model.modules():
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            n = m.num_features
            m.running_mean.copy_(torch.randn(n, generator=g) * 0.1)
            m.running_var.copy_(torch.rand(n, generator=g) * 0.5 + 0.75)
            m.weight.data.copy_(torch.rand(n, generator=g) * 0.5 + 0.75)
            m.bias.data.copy_(torch.randn(n, generator=g) * 0.1)


@contextlib.contextmanager
def cuda_as_cpu(device: torch.device) -> Iterator[None]:
    """Make ``Tensor.cuda`` and ``nn.Module.cuda`` no-ops (the official
    code calls them unconditionally) unless ``device`` is a GPU."""
    if device.type == 'cuda':
        yield
        return
    saved = torch.Tensor.cuda, torch.nn.Module.cuda
    torch.Tensor.cuda = lambda self, *args, **kwargs: self
    torch.nn.Module.cuda = lambda self, *args, **kwargs: self
    try:
        yield
    finally:
        torch.Tensor.cuda, torch.nn.Module.cuda = saved


@contextlib.contextmanager
def official_canny(module: types.ModuleType, maps: np.ndarray,
                   device: torch.device) -> Iterator[None]:
    """Make the official forward use ``maps`` (N, H, W) uint8 0/255."""
    queue = iter(maps)
    saved_cv2 = module.cv2
    module.cv2 = types.SimpleNamespace(Canny=lambda *args: next(queue))
    try:
        with cuda_as_cpu(device):
            yield
    finally:
        module.cv2 = saved_cv2
