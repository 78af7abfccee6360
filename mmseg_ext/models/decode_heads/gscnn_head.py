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
    """Gated-SCNN: Gated Shape CNNs for Semantic Segmentation.

    This head is the fusion module and decoder of `Gated-SCNN
    <https://arxiv.org/abs/1907.05740>`_ (Sec. 3.3): an
    :class:`EdgeAwareASPP` on the deepest features (image pooling, the
    shape stream's fused boundary map, dilated branches), a linear 1x1
    projection of its concatenation, upsampling to the fine features
    (linearly projected to ``fine_channels``), concatenation and
    ``num_convs`` 3x3 convs, as in the authors' release. It consumes the
    :class:`~mmseg_ext.models.necks.ShapeStreamFeatures` of
    :class:`~mmseg_ext.models.necks.GatedShapeStream`: ``in_index`` and
    ``fine_in_index`` index the backbone features, the edge maps are named
    fields (``reads_shape_stream``); the segmentor adds the shape-stream
    losses to the head's ``loss_decode``.

    Resizes: ``align_corners`` is mmseg's, i.e. it also sets the final
    upsampling of the logits to the image (``predict_by_feat``,
    ``loss_by_feat``, the segmentor's post-processing);
    ``inner_align_corners`` sets the resizes inside the head (edge map to
    the ASPP input, ASPP output to the fine features). The official release
    uses False for the final upsampling and True inside.

    Args:
        dilations (Sequence[int]): Dilation rates of the ASPP branches (1 is
            the 1x1 branch). Default: (1, 12, 24, 36), the official rates
            at output stride 8 (use (1, 6, 12, 18) at stride 16).
        fine_in_index (int): Backbone output used as fine features.
        fine_in_channels (int): Channels of that output.
        fine_channels (int): Channels of its projection. Default: 48.
        num_convs (int): 3x3 convs of the decoder. Default: 2.
        inner_align_corners (bool, optional): ``align_corners`` of the
            resizes inside the head. Default: None (= ``align_corners``).
        with_cp (bool): Gradient checkpointing (mmseg's ``with_cp``) of the
            ASPP and of the decoder at the fine resolution: less training
            memory for a recomputation in backward. Default: False.
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

    def feature_channels(self) -> List[Tuple[int, int]]:
        """(backbone feature index, channels) pairs this head expects
        (checked at build by ``ShapeStreamEncoderDecoder``)."""
        return [(self.in_index, self.in_channels),
                (self.fine_in_index, self.fine_in_channels)]

    def _forward_feature(self, inputs: ShapeStreamFeatures) -> Tensor:
        """Decoder features (N, channels, h_fine, w_fine).

        Args:
            inputs (ShapeStreamFeatures): The ``GatedShapeStream`` output.
        """
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
