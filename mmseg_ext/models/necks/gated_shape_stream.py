# Copyright (c) mmseg_ext contributors. All rights reserved.
"""The shape stream of `Gated-SCNN <https://arxiv.org/abs/1907.05740>`_
(Sec. 3.2, Fig. 2) as an mmseg neck returning :class:`ShapeStreamFeatures`.
"""
from typing import Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule, build_conv_layer
from mmengine.model import BaseModule
from mmseg.models.backbones.resnet import BasicBlock
from mmseg.registry import MODELS
from torch import Tensor

from ..utils.checkpointing import maybe_checkpoint
from .gated_conv import GatedConv
from .shape_stream_features import ShapeStreamFeatures


def _resize(x: Tensor, size: Tuple[int, int], align_corners: bool) -> Tensor:
    if tuple(x.shape[2:]) == tuple(size):
        return x
    return F.interpolate(
        x, size=size, mode='bilinear', align_corners=align_corners)


@MODELS.register_module()
class GatedShapeStream(BaseModule):
    """Shape stream: residual blocks and gated convs at high resolution.

    Stage ``i``: a ``BasicBlock``, a 1x1 conv to ``channels[i]`` and a
    :class:`GatedConv` gated by a 1x1 side output of backbone stage
    ``in_index[i]``. A 1x1 conv gives the boundary logits, fused with the image
    gradient. Official WRN38 layout: ``stream_index=0``,
    ``in_index=(2, 3, 6)``, ``channels=(32, 16, 8)``, ``stride=1``.

    Args:
        in_channels (Sequence[int]): Channels of every backbone output.
        in_index (Sequence[int]): Outputs gating the stages. Default (1, 2, 3).
        stream_index (int): Output the stream starts from. Default: 0.
        channels (Sequence[int]): Width after each stage. Default (32, 16, 8).
        stream_in_channels (int, optional): Width of a 1x1 projection of the
            stream input. Default: None (none).
        gate_channels (int): Channels of each side output. Default: 1.
        stride (int): Resolution of the stream relative to the image: 1 (the
            paper), 2 or 4. Default: 1.
        align_corners (bool): Of the resizes (official: True). Default: False.
        conv_cfg (dict, optional): Config of conv layers.
        norm_cfg (dict, optional): Default: ``dict(type='BN')``.
        act_cfg (dict): Default: ``dict(type='ReLU')``.
        gated (bool): False: plain 1x1 convs, no side outputs (the paper's
            "no gating" ablation). Default: True.
        use_image_gradient (bool): False: ``fused_edge`` from the boundary
            logits alone (the "no image gradient" ablation). Default: True.
        with_cp (bool): Gradient checkpointing of each stage. Default: False.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 in_index: Sequence[int] = (1, 2, 3),
                 stream_index: int = 0,
                 channels: Sequence[int] = (32, 16, 8),
                 stream_in_channels: Optional[int] = None,
                 gate_channels: int = 1,
                 gated: bool = True,
                 use_image_gradient: bool = True,
                 stride: int = 1,
                 align_corners: bool = False,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: Optional[dict] = dict(type='BN'),
                 act_cfg: dict = dict(type='ReLU'),
                 with_cp: bool = False,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        in_channels, in_index = list(in_channels), list(in_index)
        channels = list(channels)
        n_in = len(in_channels)
        if not in_index or len(in_index) != len(channels):
            raise ValueError(
                'GatedShapeStream: in_index and channels need one entry per '
                f'gated stage, got in_index={in_index}, channels={channels}')
        for idx in in_index + [stream_index]:
            if not -n_in <= idx < n_in:
                raise ValueError(
                    f'GatedShapeStream: index {idx} out of range for '
                    f'{n_in} backbone outputs (in_channels={in_channels})')
        if not isinstance(stride, int) or stride < 1:
            raise ValueError(
                f'GatedShapeStream: stride must be an int >= 1, got {stride}')
        self.in_channels = in_channels
        self.in_index = in_index
        self.stream_index = stream_index
        self.channels = channels
        self.stride = stride
        self.align_corners = align_corners
        self.with_cp = with_cp
        self.gated = gated
        self.use_image_gradient = use_image_gradient

        width = in_channels[stream_index]
        self.stream_input_conv = None
        if stream_in_channels is not None:
            self.stream_input_conv = ConvModule(
                width,
                stream_in_channels,
                1,
                conv_cfg=conv_cfg,
                norm_cfg=norm_cfg,
                act_cfg=act_cfg)
            width = stream_in_channels
        self.res_blocks = nn.ModuleList()
        self.reduce_convs = nn.ModuleList()
        self.side_convs = nn.ModuleList()
        self.gates = nn.ModuleList()
        for idx, out_width in zip(in_index, channels):
            self.res_blocks.append(
                BasicBlock(width, width, conv_cfg=conv_cfg, norm_cfg=norm_cfg))
            self.reduce_convs.append(
                ConvModule(
                    width,
                    out_width,
                    1,
                    conv_cfg=conv_cfg,
                    norm_cfg=None,
                    act_cfg=None))
            width = out_width
            if not gated:  # the conv of a gated conv, without the gate
                self.gates.append(
                    build_conv_layer(conv_cfg, width, width, 1, bias=False))
                continue
            self.side_convs.append(
                ConvModule(
                    in_channels[idx],
                    gate_channels,
                    1,
                    conv_cfg=conv_cfg,
                    norm_cfg=None,
                    act_cfg=None))
            self.gates.append(
                GatedConv(
                    width,
                    width,
                    gate_channels,
                    conv_cfg=conv_cfg,
                    norm_cfg=norm_cfg,
                    act_cfg=act_cfg))
        self.edge_conv = nn.Conv2d(width, 1, 1, bias=False)
        # Inputs: sigmoid(edge_logits) (and the image gradient).
        self.gradient_fusion = nn.Conv2d(
            2 if use_image_gradient else 1, 1, 1, bias=False)

    def _stage(self, i: int, x: Tensor, side: Tensor) -> Tensor:
        """Stage ``i`` on the (N, C, h, w) stream ``x``, gated by backbone
        output ``side`` (resized to (h, w) after its 1x1 conv)."""
        x = self.reduce_convs[i](self.res_blocks[i](x))
        if not self.gated:
            return self.gates[i](x)
        gate = _resize(self.side_convs[i](side), x.shape[2:],
                       self.align_corners)
        return self.gates[i](x, gate)

    def forward(
            self,
            inputs: Sequence[Tensor],
            image_gradient: Optional[Tensor] = None) -> ShapeStreamFeatures:
        """Run the shape stream.

        Args:
            inputs (Sequence[Tensor]): Backbone outputs.
            image_gradient (Tensor): (N, 1, H, W) image edge map in [0, 1].

        Returns:
            ShapeStreamFeatures: ``inputs`` with ``edge_logits`` and
            ``fused_edge``, (N, 1, ceil(H / stride), ceil(W / stride)).
        """
        if image_gradient is None:
            raise TypeError(
                'GatedShapeStream needs the image gradient of the input, '
                "which type='ShapeStreamEncoderDecoder' computes; plain "
                "EncoderDecoder calls a neck with the features only: set "
                "model.type='ShapeStreamEncoderDecoder'")
        if len(inputs) != len(self.in_channels):
            raise ValueError(
                f'GatedShapeStream: got {len(inputs)} backbone outputs, '
                f'configured for {len(self.in_channels)} '
                f'(in_channels={self.in_channels})')
        got = [x.shape[1] for x in inputs]
        if got != self.in_channels:
            raise ValueError(
                f'GatedShapeStream: backbone output channels {got} do not '
                f'match in_channels={self.in_channels}')
        if (image_gradient.dim() != 4 or image_gradient.shape[1] != 1
                or image_gradient.shape[0] != inputs[0].shape[0]):
            raise ValueError(
                'GatedShapeStream: image_gradient must be (N, 1, H, W) with '
                f'N={inputs[0].shape[0]}, got {tuple(image_gradient.shape)}')
        height, width = image_gradient.shape[2:]
        # Ceil division without negative operands: the legacy ONNX exporter
        # traces ``//`` to Div, which truncates towards zero.
        size = ((height + self.stride - 1) // self.stride,
                (width + self.stride - 1) // self.stride)

        x = inputs[self.stream_index]
        if self.stream_input_conv is not None:
            x = self.stream_input_conv(x)
        x = _resize(x, size, self.align_corners)
        for i, idx in enumerate(self.in_index):
            x = maybe_checkpoint(
                self._stage, i, x, inputs[idx], with_cp=self.with_cp)
        edge_logits = self.edge_conv(x)

        # Max pooling over each stride x stride cell keeps one-pixel edges
        # when the stream is coarser. The edge map is non-negative, so
        # zero padding to a multiple of the stride gives exactly ``size``
        # (not adaptive_max_pool2d or ceil_mode: some exporters lack them).
        fusion_inputs = [torch.sigmoid(edge_logits)]
        if self.use_image_gradient:
            gradient = image_gradient
            if self.stride > 1:
                gradient = F.max_pool2d(
                    F.pad(gradient, (0, size[1] * self.stride - width, 0,
                                     size[0] * self.stride - height)),
                    self.stride, self.stride)
            fusion_inputs.append(gradient.to(edge_logits.dtype))
        fused_edge = torch.sigmoid(
            self.gradient_fusion(torch.cat(fusion_inputs, dim=1)))
        return ShapeStreamFeatures(inputs, edge_logits, fused_edge)
