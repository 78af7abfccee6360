# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Pure-PyTorch stand-ins for the ``mmcv.ops`` names mmseg imports eagerly.

mmseg 1.2.2 imports ``mmcv.ops.point_sample`` and ``sigmoid_focal_loss`` at
module level, which fails on mmcv-lite (no compiled ``mmcv._ext``). Only
then, :func:`install` puts a small ``mmcv.ops`` with those two into
``sys.modules``; other names raise :class:`MissingCompiledOpError`, and
mmcv-lite's misleading import warning becomes one line of ours
(docs/compatibility.md). May be loaded by :mod:`.import_hook` before the
package, so it imports nothing from ``mmseg_ext``.
"""
import importlib.util
import logging
import sys
import types
import warnings
from typing import Optional

import torch.nn.functional as F
from torch import Tensor

#: Names the stand-in module provides; everything else is a compiled op.
PROVIDED_OPS = ('point_sample', 'sigmoid_focal_loss')

_INSTALL_HINT = (
    'Install the full mmcv with compiled ops instead of mmcv-lite, e.g. '
    '`pip uninstall -y mmcv-lite && pip install -U openmim && '
    'mim install "mmcv==2.1.0"` (builds from source when no wheel matches '
    'your torch/CUDA).')


class MissingCompiledOpError(ModuleNotFoundError):
    """An ``mmcv.ops`` op that mmcv-lite lacks; a ``ModuleNotFoundError``,
    so mmseg's guarded imports keep working.
    """

    def __init__(self, op_name: str) -> None:
        super().__init__(
            f'mmcv.ops.{op_name} is a compiled op and this environment has '
            f'mmcv-lite (no mmcv._ext). mmseg_ext only provides pure-PyTorch '
            f'versions of {", ".join(PROVIDED_OPS)}. {_INSTALL_HINT}',
            name=f'mmcv.ops.{op_name}')
        self.op_name = op_name


def point_sample(input: Tensor,
                 points: Tensor,
                 align_corners: bool = False,
                 **kwargs) -> Tensor:
    """Sample ``input`` at normalised ``points`` (mmcv's contract).

    Args:
        input (Tensor): (N, C, H, W) feature map.
        points (Tensor): (N, P, 2) or (N, Hg, Wg, 2) coordinates in [0, 1].
        align_corners (bool): Passed to ``F.grid_sample``.

    Returns:
        Tensor: (N, C, P) or (N, C, Hg, Wg).
    """
    squeeze = points.dim() == 3
    if squeeze:
        points = points.unsqueeze(2)
    grid = points * 2.0 - 1.0
    out = F.grid_sample(
        input, grid.to(input.dtype), align_corners=align_corners)
    return out.squeeze(3) if squeeze else out


def sigmoid_focal_loss(pred: Tensor,
                       target: Tensor,
                       gamma: float = 2.0,
                       alpha: float = 0.25,
                       weight: Optional[Tensor] = None,
                       reduction: str = 'mean') -> Tensor:
    """Sigmoid focal loss with mmcv's op signature (Lin et al., ICCV 2017).

    Args:
        pred (Tensor): (N, C) logits.
        target (Tensor): (N,) class indices in [0, C]; C is background.
        gamma (float): Focusing parameter.
        alpha (float): Weight of positives.
        weight (Tensor, optional): (N,) per-sample weight.
        reduction (str): ``'none'``, ``'mean'`` or ``'sum'``.

    Returns:
        Tensor: (N, C) for ``'none'``, else a scalar.
    """
    num_classes = pred.size(1)
    one_hot = F.one_hot(target.long(), num_classes + 1)[:, :num_classes]
    one_hot = one_hot.to(pred.dtype)
    prob = pred.sigmoid()
    p_t = prob * one_hot + (1 - prob) * (1 - one_hot)
    alpha_t = alpha * one_hot + (1 - alpha) * (1 - one_hot)
    ce = F.binary_cross_entropy_with_logits(pred, one_hot, reduction='none')
    loss = alpha_t * (1 - p_t).pow(gamma) * ce
    if weight is not None:
        loss = loss * weight.view(-1, 1)
    if reduction == 'mean':
        return loss.mean()
    if reduction == 'sum':
        return loss.sum()
    if reduction == 'none':
        return loss
    raise ValueError(f'reduction must be none/mean/sum, got {reduction!r}')


def has_compiled_mmcv_ops() -> bool:
    """Whether the installed mmcv ships its compiled extension."""
    try:
        return importlib.util.find_spec('mmcv._ext') is not None
    except (ImportError, ValueError):
        return False


#: The one line printed instead of mmcv-lite's import warning.
LITE_NOTICE = (
    'mmseg_ext: mmcv-lite detected (no compiled mmcv ops). Every mmseg_ext '
    'model and most mmseg models run; models that need compiled ops '
    '(deformable attention, CCNet, PSANet, ...) need the full mmcv '
    '(see docs/compatibility.md).')
_notice_shown = False


def _replace_lite_warning() -> None:
    """Filter mmcv-lite's import warning and log :data:`LITE_NOTICE` once."""
    global _notice_shown
    warnings.filterwarnings(
        'ignore',
        message='Fail to import ``MultiScaleDeformableAttention``',
        category=UserWarning,
        module=r'mmcv\.cnn\.bricks\.transformer')
    if not _notice_shown:
        _notice_shown = True
        logging.getLogger('mmseg_ext').warning(LITE_NOTICE)


def _stub_getattr(name: str):
    if name.startswith('__') and name.endswith('__'):
        raise AttributeError(name)
    raise MissingCompiledOpError(name)


def install() -> bool:
    """Install the stand-in ``mmcv.ops`` if compiled ops are missing;
    returns whether the stand-in is in place.
    """
    current = sys.modules.get('mmcv.ops')
    if current is not None:
        return getattr(current, '__mmseg_ext_stub__', False)
    if has_compiled_mmcv_ops():
        return False
    import mmcv

    stub = make_stub_module()
    sys.modules['mmcv.ops'] = stub
    mmcv.ops = stub
    return True


def make_stub_module() -> types.ModuleType:
    """A new stand-in ``mmcv.ops`` module (also used by the import hook).

    Building it also replaces mmcv-lite's import warning by
    :data:`LITE_NOTICE`.
    """
    stub = types.ModuleType(
        'mmcv.ops', 'mmseg_ext stand-in for mmcv.ops (mmcv-lite detected).')
    stub.__path__ = []  # a package, so ``import mmcv.ops.x`` fails cleanly
    stub.__mmseg_ext_stub__ = True
    stub.point_sample = point_sample
    stub.sigmoid_focal_loss = sigmoid_focal_loss
    stub.__getattr__ = _stub_getattr
    _replace_lite_warning()
    return stub


__all__ = [
    'MissingCompiledOpError', 'point_sample', 'sigmoid_focal_loss',
    'has_compiled_mmcv_ops', 'install', 'make_stub_module', 'PROVIDED_OPS',
    'LITE_NOTICE'
]
