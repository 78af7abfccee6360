# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Adaptive average pooling written as two small matrix products.

``F.adaptive_avg_pool2d`` averages bin ``i`` of ``s`` over the input rows
``[floor(i * n / s), ceil((i + 1) * n / s))`` (overlapping bins when ``s``
does not divide ``n``). ONNX's ``GlobalAveragePool`` / ``AveragePool`` only
express the divisible case, so the legacy ONNX exporter refuses
``adaptive_avg_pool2d`` with e.g. 6 bins on a 7-row map. The same bins are a
linear map ``P_h x P_w^T`` with ``P[i, j] = 1 / |bin_i|`` for ``j`` in bin
``i``: :func:`bin_pooling_matrix` builds ``P`` from the (static) input size
and :class:`AdaptiveAvgPool2d` applies it with ``matmul``, which every
exporter (TorchScript, dynamo, ``torch.export``) and runtime supports.
"""
from typing import Sequence, Tuple, Union

import torch
import torch.nn as nn
from torch import Tensor


def bin_pooling_matrix(in_size: int,
                       out_size: int,
                       dtype: torch.dtype = torch.float32,
                       device: Union[str, torch.device] = 'cpu') -> Tensor:
    """The ``(out_size, in_size)`` averaging matrix of adaptive pooling.

    Row ``i`` holds ``1 / (end_i - start_i)`` on the columns
    ``start_i = floor(i * in_size / out_size)`` to
    ``end_i = ceil((i + 1) * in_size / out_size)`` (exclusive), the bins of
    ``torch.nn.functional.adaptive_avg_pool1d``.

    Args:
        in_size (int): Input length ``n`` (or a traced size).
        out_size (int): Number of bins ``s``.
        dtype (torch.dtype): Matrix dtype.
        device (str | torch.device): Matrix device.

    Returns:
        Tensor: (out_size, in_size).
    """
    # Built from tensor ops only (no Python ints taken from the size), so
    # tracing records it without a TracerWarning and it follows the input
    # size if a dynamic axis is exported.
    bins = torch.arange(out_size, device=device)
    starts = torch.div(bins * in_size, out_size, rounding_mode='floor')
    ends = torch.div(
        (bins + 1) * in_size + out_size - 1, out_size, rounding_mode='floor')
    cols = torch.arange(in_size, device=device)
    inside = (cols >= starts[:, None]) & (cols < ends[:, None])
    return inside.to(dtype) / (ends - starts).to(dtype)[:, None]


class AdaptiveAvgPool2d(nn.Module):
    """Exportable drop-in for :class:`torch.nn.AdaptiveAvgPool2d`.

    Same bins and values as ``F.adaptive_avg_pool2d`` (equal to float
    rounding, values and gradients), computed as
    ``P_h @ x @ P_w^T`` with the matrices of :func:`bin_pooling_matrix`
    built from the input's size; without parameters or buffers, so
    it replaces ``nn.AdaptiveAvgPool2d`` without changing a state dict. At
    the pyramid sizes of a segmentation head (``s <= 6``) the products cost
    ``2 s`` multiply-adds per input value.

    Args:
        output_size (int | tuple[int, int]): Bins ``(s_h, s_w)``; an int
            for both.

    Shape:
        Input :math:`(N, C, H, W)`, output :math:`(N, C, s_h, s_w)`.
    """

    def __init__(self, output_size: Union[int, Sequence[int]]) -> None:
        super().__init__()
        if isinstance(output_size, int):
            output_size = (output_size, output_size)
        if not (isinstance(output_size,
                           (list, tuple)) and len(output_size) == 2
                and all(isinstance(s, int) and s > 0 for s in output_size)):
            raise ValueError('AdaptiveAvgPool2d output_size must be a '
                             'positive int or a pair of them, got '
                             f'{output_size!r}')
        self.output_size: Tuple[int, int] = tuple(output_size)

    def extra_repr(self) -> str:
        return f'output_size={self.output_size}'

    def forward(self, x: Tensor) -> Tensor:
        """(N, C, H, W) -> (N, C, s_h, s_w) bin averages."""
        rows = bin_pooling_matrix(x.shape[-2], self.output_size[0], x.dtype,
                                  x.device)
        cols = bin_pooling_matrix(x.shape[-1], self.output_size[1], x.dtype,
                                  x.device)
        return rows @ x @ cols.t()
