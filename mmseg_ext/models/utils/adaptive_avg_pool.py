# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Adaptive average pooling as two small matrix products.

The bins of ``F.adaptive_avg_pool2d`` are a linear map ``P_h x P_w^T``.
Written with ``matmul``, they export at any size; the legacy ONNX exporter
refuses ``adaptive_avg_pool2d`` when the bins do not divide the input.
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

    Row ``i`` averages the columns ``floor(i * n / s)`` to
    ``ceil((i + 1) * n / s)`` (exclusive), the bins of ``adaptive_avg_pool1d``.

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

    ``P_h @ x @ P_w^T`` (:func:`bin_pooling_matrix`): the same values and
    gradients, no parameters or buffers. (N, C, H, W) -> (N, C, s_h, s_w).

    Args:
        output_size (int | tuple[int, int]): Bins ``(s_h, s_w)``.
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
