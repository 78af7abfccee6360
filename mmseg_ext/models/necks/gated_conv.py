# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Gated convolution layer of the Gated-SCNN shape stream.

`Gated-SCNN <https://arxiv.org/abs/1907.05740>`_, Sec. 3.2:
``alpha = sigmoid(C_1x1(s || r))``, ``out = conv(s * (1 + alpha))``, with
``C_1x1`` = norm, 1x1 conv, act, 1x1 conv, norm as the authors' release.
"""
from typing import Optional

import torch
import torch.nn as nn
from mmcv.cnn import build_activation_layer, build_conv_layer, build_norm_layer
from torch import Tensor


def _norm_or_identity(norm_cfg: Optional[dict],
                      num_features: int) -> nn.Module:
    if norm_cfg is None:
        return nn.Identity()
    return build_norm_layer(norm_cfg, num_features)[1]


class GatedConv(nn.Module):
    """Gated convolution: ``conv(feature * (1 + alpha))``.

    Args:
        in_channels (int): Channels of the shape-stream feature ``s``.
        out_channels (int): Channels of the output.
        gate_channels (int): Channels of the gating signal ``r``. Default: 1.
        kernel_size (int): Odd kernel of the output conv. Default: 1.
        conv_cfg (dict, optional): Config of the output conv layer.
        norm_cfg (dict, optional): Norms of the attention branch.
            Default: ``dict(type='BN')``.
        act_cfg (dict): Hidden activation. Default: ``dict(type='ReLU')``.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 gate_channels: int = 1,
                 kernel_size: int = 1,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: Optional[dict] = dict(type='BN'),
                 act_cfg: dict = dict(type='ReLU')):
        super().__init__()
        if min(in_channels, out_channels, gate_channels) < 1:
            raise ValueError(
                'GatedConv: in_channels, out_channels and gate_channels must '
                f'be >= 1, got {in_channels}, {out_channels}, '
                f'{gate_channels}')
        if kernel_size % 2 != 1:
            raise ValueError(
                f'GatedConv: kernel_size must be odd, got {kernel_size}')
        self.in_channels = in_channels
        self.gate_channels = gate_channels
        cat_channels = in_channels + gate_channels
        self.attention = nn.Sequential(
            _norm_or_identity(norm_cfg, cat_channels),
            nn.Conv2d(cat_channels, cat_channels, 1),
            build_activation_layer(act_cfg), nn.Conv2d(cat_channels, 1, 1),
            _norm_or_identity(norm_cfg, 1), nn.Sigmoid())
        self.conv = build_conv_layer(
            conv_cfg,
            in_channels,
            out_channels,
            kernel_size,
            padding=kernel_size // 2,
            bias=False)

    def forward(self, feature: Tensor, gate: Tensor) -> Tensor:
        """``feature`` (N, C_in, H, W) gated by ``gate`` (N, C_gate, H, W)
        -> (N, C_out, H, W).
        """
        alpha = self.attention(torch.cat([feature, gate], dim=1))
        return self.conv(feature * (1 + alpha))
