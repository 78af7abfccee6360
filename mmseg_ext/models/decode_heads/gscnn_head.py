# Copyright (c) mmseg_ext contributors. All rights reserved.
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from torch import Tensor

from ..necks.shape_stream_features import (ShapeStreamFeatures,
                                           as_shape_stream_features)
from ..utils.checkpointing import maybe_checkpoint
from ..utils.config_checks import LabelCheckMixin
from .edge_aware_aspp import EdgeAwareASPP, load_legacy_aspp_keys


@MODELS.register_module()
class GSCNNHead(LabelCheckMixin, BaseDecodeHead):
    """Fusion module and decoder of `Gated-SCNN
    <https://arxiv.org/abs/1907.05740>`_ (Sec. 3.3).

    An :class:`EdgeAwareASPP` on the deepest features, a 1x1 projection,
    upsampling to the fine features (projected to ``fine_channels``),
    concatenation and ``num_convs`` 3x3 convs, as the authors' release. Reads
    the :class:`~mmseg_ext.models.necks.ShapeStreamFeatures` of the neck;
    the segmentor adds the shape-stream losses. ``align_corners`` sets the
    final upsampling of the logits, ``inner_align_corners`` the resizes inside
    (the official release: False and True).

    Args:
        dilations (Sequence[int]): ASPP dilation rates (1 is the 1x1 branch).
            Default: (1, 12, 24, 36), official at output stride 8.
        fine_in_index (int): Backbone output used as fine features.
        fine_in_channels (int): Channels of that output.
        fine_channels (int): Channels of its projection. Default: 48.
        num_convs (int): 3x3 convs of the decoder. Default: 2.
        inner_align_corners (bool, optional): Default: ``align_corners``.
        with_cp (bool): Gradient checkpointing of the ASPP and the decoder.
            Default: False.
        **kwargs: ``BaseDecodeHead`` arguments (``in_channels`` and
            ``in_index`` of the ASPP input, ``channels``...).
    """

    #: Fuses the stream itself (``ShapeStreamEncoderDecoder`` adds no
    #: ``EdgeFeatureFusion`` in front of it).
    reads_shape_stream = True

    def __init__(self,
                 fine_in_channels: int,
                 fine_in_index: int = 0,
                 fine_channels: int = 48,
                 dilations: Sequence[int] = (1, 12, 24, 36),
                 num_convs: int = 2,
                 inner_align_corners: Optional[bool] = None,
                 with_cp: bool = False,
                 **kwargs):
        super().__init__(**kwargs)
        self.with_cp = with_cp
        if not isinstance(self.in_channels, int):
            raise ValueError(
                'GSCNNHead takes one ASPP input: in_channels must be an int '
                f'(with an int in_index), got {self.in_channels}')
        if num_convs < 1:
            raise ValueError(
                f'GSCNNHead: num_convs must be >= 1, got {num_convs}')
        self.fine_in_index = fine_in_index
        self.fine_in_channels = fine_in_channels
        self.inner_align_corners = self.align_corners \
            if inner_align_corners is None else inner_align_corners
        conv_kwargs = dict(
            conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg)
        self.aspp = EdgeAwareASPP(
            dilations,
            self.in_channels,
            self.channels,
            align_corners=self.inner_align_corners,
            with_cp=with_cp,
            **conv_kwargs)
        load_legacy_aspp_keys(self)
        self.aspp_bottleneck = ConvModule(
            self.aspp.out_channels,
            self.channels,
            1,
            bias=False,
            conv_cfg=self.conv_cfg,
            norm_cfg=None,
            act_cfg=None)
        self.fine_bottleneck = ConvModule(
            fine_in_channels,
            fine_channels,
            1,
            bias=False,
            conv_cfg=self.conv_cfg,
            norm_cfg=None,
            act_cfg=None)
        self.decoder = nn.Sequential(*[
            ConvModule(
                (fine_channels + self.channels) if i == 0 else self.channels,
                self.channels,
                3,
                padding=1,
                **conv_kwargs) for i in range(num_convs)
        ])

    def extra_channel_inputs(self) -> List[Tuple[str, int, int]]:
        """The fine features, beside ``in_channels`` at ``in_index``:
        ``(setting, backbone output, channels)`` (see
        :func:`~mmseg_ext.models.utils.check_channel_counts`)."""
        return [('fine_in_channels', self.fine_in_index, self.fine_in_channels)
                ]

    def _forward_feature(self, inputs: ShapeStreamFeatures) -> Tensor:
        """Neck output -> decoder features (N, channels, h_fine, w_fine)."""
        inputs = as_shape_stream_features(inputs, type(self).__name__)
        x = self._transform_inputs(inputs)
        out = self.aspp(x, inputs.fused_edge)
        return maybe_checkpoint(
            self._decode,
            out,
            inputs[self.fine_in_index],
            with_cp=self.with_cp)

    def _decode(self, aspp_out: Tensor, fine_in: Tensor) -> Tensor:
        """ASPP output and fine features -> decoder features."""
        out = self.aspp_bottleneck(aspp_out)
        fine = self.fine_bottleneck(fine_in)
        out = resize(
            out,
            size=fine.shape[2:],
            mode='bilinear',
            align_corners=self.inner_align_corners)
        return self.decoder(torch.cat([fine, out], dim=1))

    def forward(self, inputs: ShapeStreamFeatures) -> Tensor:
        """Seg logits (N, num_classes, h_fine, w_fine)."""
        return self.cls_seg(self._forward_feature(inputs))
