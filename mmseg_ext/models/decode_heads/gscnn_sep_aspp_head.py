# Copyright (c) mmseg_ext contributors. All rights reserved.
from typing import List, Tuple

import torch
from mmcv.cnn import ConvModule
from mmseg.models.decode_heads.sep_aspp_head import DepthwiseSeparableASPPHead
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from torch import Tensor

from ..necks.shape_stream_features import (ShapeStreamFeatures,
                                           as_shape_stream_features)
from ..utils.checkpointing import maybe_checkpoint
from ..utils.config_checks import LabelCheckMixin
from .edge_aware_aspp import (DepthwiseSeparableEdgeAwareASPP,
                              load_legacy_aspp_keys)


@MODELS.register_module()
class GSCNNSepASPPHead(LabelCheckMixin, DepthwiseSeparableASPPHead):
    """DeepLabV3+ head with the Gated-SCNN shape-stream fusion.

    mmseg's ``DepthwiseSeparableASPPHead`` (`DeepLabV3+
    <https://arxiv.org/abs/1802.02611>`_) with its ASPP swapped for a
    :class:`DepthwiseSeparableEdgeAwareASPP`, the fusion module of `Gated-SCNN
    <https://arxiv.org/abs/1907.05740>`_: with the same backbone it differs
    from DeepLabV3+ only by the shape stream, the controlled comparison for
    boundary quality.

    Args:
        with_cp (bool): Gradient checkpointing of the ASPP and the decoder.
            Default: False.
        **kwargs: ``DepthwiseSeparableASPPHead`` arguments.
    """

    #: Fuses the stream itself (``ShapeStreamEncoderDecoder`` adds no
    #: ``EdgeFeatureFusion`` in front of it).
    reads_shape_stream = True

    def __init__(self, with_cp: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.with_cp = with_cp
        # The swapped submodule: ASPPHead's image pool + dilated branches.
        del self.image_pool, self.aspp_modules
        conv_kwargs = dict(
            conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg)
        self.aspp = DepthwiseSeparableEdgeAwareASPP(
            self.dilations,
            self.in_channels,
            self.channels,
            align_corners=self.align_corners,
            with_cp=with_cp,
            **conv_kwargs)
        load_legacy_aspp_keys(self)
        self.bottleneck = ConvModule(
            self.aspp.out_channels, self.channels, 3, padding=1, **conv_kwargs)

    def extra_channel_inputs(self) -> List[Tuple[str, int, int]]:
        """DeepLabV3+'s low-level features (backbone output 0), beside
        ``in_channels`` at ``in_index`` (see
        :func:`~mmseg_ext.models.utils.check_channel_counts`)."""
        if self.c1_bottleneck is None:
            return []
        return [('c1_in_channels', 0, self.c1_bottleneck.conv.in_channels)]

    def forward(self, inputs: ShapeStreamFeatures) -> Tensor:
        """Seg logits (N, num_classes, h_c1, w_c1) from the
        ``GatedShapeStream`` output."""
        inputs = as_shape_stream_features(inputs, type(self).__name__)
        x = self._transform_inputs(inputs)
        return maybe_checkpoint(
            self._decode,
            self.aspp(x, inputs.fused_edge),
            inputs[0],
            with_cp=self.with_cp)

    def _decode(self, aspp_out: Tensor, c1: Tensor) -> Tensor:
        """ASPP output and ``c1`` features -> seg logits."""
        output = self.bottleneck(aspp_out)
        if self.c1_bottleneck is not None:
            c1_output = self.c1_bottleneck(c1)
            output = resize(
                output,
                size=c1_output.shape[2:],
                mode='bilinear',
                align_corners=self.align_corners)
            output = torch.cat([output, c1_output], dim=1)
        output = self.sep_bottleneck(output)
        return self.cls_seg(output)
