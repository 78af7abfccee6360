# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Boundary maps of class-probability maps (Gated-SCNN's ``zeta``):
``convTri`` smoothing, central differences, normalised magnitude.
"""
import torch
import torch.nn.functional as F
from torch import Tensor

_MAGNITUDE_EPS = 1e-6


def triangle_kernel(radius: int) -> Tensor:
    """1-D triangle filter ``[1, ..., r + 1, ..., 1] / (r + 1)^2`` of
    Dollar's ``convTri``, as the official Gated-SCNN code; sums to 1.
    """
    ramp = torch.arange(1, radius + 2, dtype=torch.float32)
    return torch.cat((ramp, ramp[:-1].flip(0))) / float(radius + 1)**2


def unit_step_response(radius: int) -> float:
    """Largest :func:`boundary_magnitude` of a smoothed unit step,
    ``(2r + 1) / (2 (r + 1)^2)``.
    """
    return (2 * radius + 1) / (2.0 * (radius + 1)**2)


def _symmetric_index(length: int, pad: int, device: torch.device) -> Tensor:
    """Indices that pad ``[0, length)`` by ``pad`` with mirror symmetry,
    for any ``pad``, even larger than ``length``."""
    index = torch.arange(-pad, length + pad, device=device)
    index = torch.remainder(index, 2 * length)
    return torch.where(index >= length, 2 * length - 1 - index, index)


def _symmetric_pad(maps: Tensor, pad: int, dim: int) -> Tensor:
    """Pad ``dim`` by ``pad`` on both sides, MATLAB's ``'symmetric'``."""
    length = maps.shape[dim]
    if pad > length:
        return maps.index_select(dim, _symmetric_index(length, pad,
                                                       maps.device))
    return torch.cat((maps.narrow(dim, 0, pad).flip(dim), maps,
                      maps.narrow(dim, length - pad, pad).flip(dim)), dim)


def triangle_smooth(maps: Tensor, radius: int) -> Tensor:
    """Separable triangle smoothing (``convTri``, symmetric borders) of
    (N, C, H, W) float maps; ``radius`` 0 is no smoothing.
    """
    if radius == 0:
        return maps
    channels = maps.shape[1]
    kernel = triangle_kernel(radius).to(maps)
    row = kernel.view(1, 1, 1, -1).expand(channels, 1, 1, -1)
    column = kernel.view(1, 1, -1, 1).expand(channels, 1, -1, 1)
    maps = F.conv2d(_symmetric_pad(maps, radius, 3), row, groups=channels)
    return F.conv2d(_symmetric_pad(maps, radius, 2), column, groups=channels)


def central_difference(maps: Tensor, dim: int) -> Tensor:
    """``numpy.gradient`` along ``dim`` (2 or 3) of (N, C, H, W) maps,
    written with slices.
    """
    length = maps.shape[dim]
    if length < 2:
        return maps * 0.0  # no neighbour; stays part of the graph
    first = maps.narrow(dim, 1, 1) - maps.narrow(dim, 0, 1)
    last = maps.narrow(dim, length - 1, 1) - maps.narrow(dim, length - 2, 1)
    if length == 2:
        return torch.cat((first, last), dim)
    inner = (maps.narrow(dim, 2, length - 2) -
             maps.narrow(dim, 0, length - 2)) * 0.5
    return torch.cat((first, inner, last), dim)


def boundary_magnitude(maps: Tensor) -> Tensor:
    """``sqrt(gx^2 + gy^2 + eps^2) - eps`` of central differences: 0 on flat
    maps, bounded derivative at 0.
    """
    grad_y = central_difference(maps, 2)
    grad_x = central_difference(maps, 3)
    return torch.sqrt(grad_x * grad_x + grad_y * grad_y +
                      _MAGNITUDE_EPS**2) - _MAGNITUDE_EPS


def boundary_potential(probs: Tensor, radius: int, reliable: Tensor) -> Tensor:
    """The boundary map ``zeta`` of per-class probabilities.

    ``|grad(convTri_r(probs))| / m``, ``m`` the image's largest magnitude
    over reliable pixels but at least :func:`unit_step_response`, so weak maps
    are not inflated to 1 (docs/gscnn_losses.md).

    Args:
        probs (Tensor): (N, C, H, W) probabilities (or one-hot).
        radius (int): Triangle-filter radius ``r``.
        reliable (Tensor): (N, 1, H, W) bool, pixels not reading ignore.

    Returns:
        Tensor: (N, C, H, W) boundary map, mostly in [0, 1].
    """
    magnitude = boundary_magnitude(triangle_smooth(probs, radius))
    peak = magnitude.masked_fill(~reliable, 0.0).amax(
        dim=(1, 2, 3), keepdim=True)
    return magnitude / peak.clamp(min=unit_step_response(radius))
