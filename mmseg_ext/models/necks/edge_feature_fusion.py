# Copyright (c) mmseg_ext contributors. All rights reserved.
"""The shape stream's boundary map fused into any decode head's input."""
from typing import Optional, Sequence, Tuple

import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from torch import Tensor

from .shape_stream_features import ShapeStreamFeatures


@MODELS.register_module()
class EdgeFeatureFusion(BaseModule):
    """Adds the fused boundary map to the features a decode head reads.

    `Gated-SCNN <https://arxiv.org/abs/1907.05740>`_ (Sec. 3.3) feeds the
    boundary map to its ASPP as one more branch. For a head without such a
    branch, ``x_i <- x_i + P_i(resize(fused_edge))`` with a 1x1 projection
    ``P_i`` (1 -> C_i) equals that concatenation followed by the head's first
    (linear) layer, with ``in_channels`` unchanged.

    Args:
        in_channels (Sequence[int]): Channels of every backbone output.
        in_index (Sequence[int]): Outputs to fuse into (the head's).
        conv_cfg (dict, optional): Config of the projection convs.
        norm_cfg (dict, optional): Default: ``dict(type='BN')``.
        act_cfg (dict, optional): Default: ``dict(type='ReLU')``.
        align_corners (bool): Of the resizes. Default: False.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 in_index: Sequence[int],
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: Optional[dict] = dict(type='BN'),
                 act_cfg: Optional[dict] = dict(type='ReLU'),
                 align_corners: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        in_channels = list(in_channels)
        n = len(in_channels)
        index = [in_index] if isinstance(in_index, int) else list(in_index)
        bad = [i for i in index if not -n <= i < n]
        if not index or bad:
            raise ValueError(
                f'EdgeFeatureFusion: in_index {index} must name some of the '
                f'{n} backbone outputs (in_channels={in_channels})')
        self.in_channels = in_channels
        self.in_index = sorted({i % n for i in index})
        self.align_corners = align_corners
        self.projections = nn.ModuleList(
            ConvModule(
                1,
                in_channels[i],
                1,
                conv_cfg=conv_cfg,
                norm_cfg=norm_cfg,
                act_cfg=act_cfg) for i in self.in_index)

    def forward(self, inputs: ShapeStreamFeatures) -> Tuple[Tensor, ...]:
        """Backbone features (N, C_i, h_i, w_i) with ``fused_edge``
        (N, 1, h, w) -> the same tuple, ``in_index`` entries fused.
        """
        features = list(inputs)
        edge = inputs.fused_edge
        for i, projection in zip(self.in_index, self.projections):
            x = features[i]
            fused = projection(
                resize(
                    edge.to(x.dtype),
                    size=x.shape[2:],
                    mode='bilinear',
                    align_corners=self.align_corners))
            # ``view_as`` keeps x's shape known to the legacy ONNX
            # exporter, which adaptive pooling after it (PSP, UPerNet)
            # needs; eager, it is a no-op view.
            features[i] = x + fused.view_as(x)
        return tuple(features)
