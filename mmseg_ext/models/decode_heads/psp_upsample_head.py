# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Pyramid pooling without channel reduction, then progressive upsampling
(the community pspnet-pytorch design; configs/pspnet/README.md)."""
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from torch import Tensor

from ..utils.adaptive_avg_pool import AdaptiveAvgPool2d
from ..utils.config_checks import LabelCheckMixin, check_input_channels


class _FullWidthPoolingStages(nn.ModuleList):
    """Pyramid pooling stages that keep the input's ``C`` channels.

    Each stage: ``s x s`` average pooling, bias-free 1x1 conv (``C -> C``),
    upsampling to the input size. No norm: BatchNorm on the 1x1 bin fails at
    batch 1 (mmseg #272).
    """

    def __init__(self, pool_scales: Sequence[int], channels: int,
                 conv_cfg: Optional[dict], align_corners: bool) -> None:
        super().__init__()
        self.align_corners = align_corners
        for scale in pool_scales:
            self.append(
                nn.Sequential(
                    AdaptiveAvgPool2d(scale),
                    ConvModule(
                        channels,
                        channels,
                        1,
                        bias=False,
                        conv_cfg=conv_cfg,
                        norm_cfg=None,
                        act_cfg=None)))

    def forward(self, x: Tensor) -> List[Tensor]:
        """(N, C, H, W) -> one (N, C, H, W) map per stage."""
        return [
            resize(
                stage(x),
                size=x.shape[2:],
                mode='bilinear',
                align_corners=self.align_corners) for stage in self
        ]


class _UpsampleBlock(nn.Module):
    """Bilinear x2 upsampling, then 3x3 ``ConvModule`` (conv, norm, act):
    (N, C_in, H, W) -> (N, C_out, 2H, 2W).
    """

    def __init__(self, in_channels: int, out_channels: int,
                 conv_cfg: Optional[dict], norm_cfg: Optional[dict],
                 act_cfg: Optional[dict], align_corners: bool) -> None:
        super().__init__()
        self.align_corners = align_corners
        self.conv = ConvModule(
            in_channels,
            out_channels,
            3,
            padding=1,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg)

    def forward(self, x: Tensor) -> Tensor:
        """(N, C_in, H, W) -> (N, C_out, 2H, 2W)."""
        x = resize(
            x,
            size=(2 * x.shape[2], 2 * x.shape[3]),
            mode='bilinear',
            align_corners=self.align_corners,
            warning=False)
        return self.conv(x)


@MODELS.register_module()
class PSPUpsampleHead(LabelCheckMixin, BaseDecodeHead):
    """PSP head with full-width pooling stages and progressive upsampling.

    The pyramid pooling module of `PSPNet <https://arxiv.org/abs/1612.01105>`_
    as in the community pspnet-pytorch model: the stages keep all ``C``
    channels, a 1x1 bottleneck (``norm_cfg``) fuses the input and the
    stages, then Dropout2d and ``len(upsample_channels)`` blocks of x2
    bilinear upsampling, 3x3 conv, norm and PReLU, with Dropout2d between
    blocks and before the classifier. (N, C, H, W) features give
    (N, num_classes, 2^B H, 2^B W) logits, ``B`` blocks.

    Args:
        pool_scales (Sequence[int]): Pyramid bin sizes. Default (1, 2, 3, 6).
        bottleneck_channels (int): Width of the 1x1 fusion conv. Default 1024.
        upsample_channels (Sequence[int]): Output width of each x2
            upsampling block; the last one must equal ``channels`` (the
            classifier's input), which it defaults to. Default (256, 64, 64).
        upsample_act_cfg (dict): Activation of the upsampling blocks.
            Default ``dict(type='PReLU')``.
        pool_dropout_ratio (float): Dropout2d after the bottleneck.
            Default 0.3.
        dropout_ratio (float): Dropout2d between upsampling blocks and before
            the classifier. Default 0.15.
        **kwargs: Passed to ``BaseDecodeHead`` (``in_channels``,
            ``num_classes``, ``norm_cfg``, ``align_corners``...).
    """

    def __init__(self,
                 pool_scales: Sequence[int] = (1, 2, 3, 6),
                 bottleneck_channels: int = 1024,
                 upsample_channels: Sequence[int] = (256, 64, 64),
                 upsample_act_cfg: dict = dict(type='PReLU'),
                 pool_dropout_ratio: float = 0.3,
                 dropout_ratio: float = 0.15,
                 **kwargs) -> None:
        upsample_channels = tuple(upsample_channels)
        if not upsample_channels:
            raise ValueError(f'{type(self).__name__}: upsample_channels must '
                             'name at least one upsampling block')
        channels = kwargs.setdefault('channels', upsample_channels[-1])
        if channels != upsample_channels[-1]:
            raise ValueError(
                f'{type(self).__name__}: channels ({channels}) is the '
                'classifier input and must equal the last upsampling width '
                f'upsample_channels[-1] ({upsample_channels[-1]})')
        super().__init__(dropout_ratio=dropout_ratio, **kwargs)
        if self.input_transform == 'multiple_select':
            raise ValueError(f'{type(self).__name__} takes one feature map: '
                             "input_transform='multiple_select' is not "
                             'supported')
        self.pool_scales = tuple(pool_scales)
        self.upsample_channels = upsample_channels
        self.psp_modules = _FullWidthPoolingStages(self.pool_scales,
                                                   self.in_channels,
                                                   self.conv_cfg,
                                                   self.align_corners)
        self.bottleneck = ConvModule(
            self.in_channels * (1 + len(self.pool_scales)),
            bottleneck_channels,
            1,
            conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg)
        self.pool_dropout = (
            nn.Dropout2d(pool_dropout_ratio)
            if pool_dropout_ratio > 0 else nn.Identity())
        widths = (bottleneck_channels, ) + upsample_channels
        self.upsample_blocks = nn.ModuleList(
            _UpsampleBlock(widths[i], widths[i + 1], self.conv_cfg,
                           self.norm_cfg, upsample_act_cfg, self.align_corners)
            for i in range(len(upsample_channels)))

    def _pyramid_bottleneck(self, x: Tensor) -> Tensor:
        """``bottleneck(cat([x, *psp_modules(x)]))`` without the concat.

        The 1x1 conv is linear and commutes with bilinear upsampling, so
        ``conv(cat) = W_0 x + sum_s up(W_s stage_s(x))``, with the weight
        split by input block: same parameters and result, no
        ``C * (1 + S)``-channel tensor. Other bottlenecks than a plain
        ``nn.Conv2d`` (e.g. a custom ``conv_cfg``) take the concat.

        Args:
            x (Tensor): Selected features, (N, C, H, W).

        Returns:
            Tensor: (N, bottleneck_channels, H, W).
        """
        module = self.bottleneck
        if (type(module.conv) is not nn.Conv2d
                or tuple(module.order) != ('conv', 'norm', 'act')
                or module.with_spectral_norm):
            return module(torch.cat([x, *self.psp_modules(x)], dim=1))
        # Slices rather than ``split``: the dynamo ONNX exporter at opset 17
        # writes an invalid Split node for the latter.
        channels = self.in_channels
        weights = [
            module.conv.weight[:, i * channels:(i + 1) * channels]
            for i in range(1 + len(self.pool_scales))
        ]
        out = F.conv2d(x, weights[0], module.conv.bias)
        for stage, weight in zip(self.psp_modules, weights[1:]):
            out = out + resize(
                F.conv2d(stage(x), weight),
                size=x.shape[2:],
                mode='bilinear',
                align_corners=self.align_corners,
                warning=False)
        if module.with_norm:
            out = module.norm(out)
        if module.with_activation:
            out = module.activate(out)
        return out

    def _forward_feature(self, inputs: Tuple[Tensor]) -> Tensor:
        """Multi-level features -> (N, channels, 2^B H, 2^B W) features."""
        check_input_channels(self, inputs)
        x = self._pyramid_bottleneck(self._transform_inputs(inputs))
        x = self.pool_dropout(x)
        for i, block in enumerate(self.upsample_blocks):
            if i > 0 and self.dropout is not None:
                x = self.dropout(x)
            x = block(x)
        return x

    def forward(self, inputs: Tuple[Tensor]) -> Tensor:
        """Multi-level features -> (N, num_classes, 2^B H, 2^B W) logits."""
        return self.cls_seg(self._forward_feature(inputs))
