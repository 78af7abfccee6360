# Copyright (c) mmseg_ext contributors. All rights reserved.
"""``EncoderDecoder`` whose neck also sees the input image's Canny edges.

Gated-SCNN (Takikawa et al., ICCV 2019) fuses its shape stream with the
image gradients. The segmentor computes them inside the model (traceable
tensor ops, :class:`~mmseg_ext.models.utils.CannyImageGradient`) from the
*un-normalised* batch (the data preprocessor's mean/std undone), hands them
to the neck in :meth:`extract_feat`, and leaves every other path of mmseg's
``EncoderDecoder`` as it is: ``loss``, whole and slide inference, flip TTA.

The tensor contract is mmseg's: :meth:`encode_decode` and
``forward(mode='tensor')`` return ``num_classes`` channels. The edge map
travels by name: :meth:`encode_decode_with_edges` returns it next to the
seg logits, whole and slide inference keep it in :attr:`edge_logits`, and
:meth:`postprocess_result` turns it into ``pred_edge_map`` (``PixelData``
(1, H, W), edge probabilities in [0, 1]) through mmseg's own
post-processing (unpad, flip back, resize to ``ori_shape``).
"""
from types import SimpleNamespace
from typing import List, Optional, Tuple

import torch
from mmengine.structures import PixelData
from mmseg.models.segmentors import EncoderDecoder
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from mmseg.utils import ConfigType, OptConfigType, OptSampleList, SampleList
from torch import Tensor

from ..decode_heads.shape_stream_loss_mixin import ShapeStreamLossMixin
from ..necks.shape_stream_features import ShapeStreamFeatures
from ..utils.image_gradient import CannyImageGradient


def _expected_channels(head) -> List[Tuple[Tuple[int, ...], int]]:
    """(backbone feature indices, channels) a decode head expects there
    (summed over the indices for ``input_transform='resize_concat'``)."""
    if hasattr(head, 'feature_channels'):
        return [((i, ), c) for i, c in head.feature_channels()]
    index, channels = head.in_index, head.in_channels
    if not isinstance(index, (list, tuple)):
        return [((index, ), channels)]
    if isinstance(channels, (list, tuple)):  # 'multiple_select'
        return [((i, ), c) for i, c in zip(index, channels)]
    return [(tuple(index), channels)]  # 'resize_concat': the sum


@MODELS.register_module()
class ShapeStreamEncoderDecoder(EncoderDecoder):
    """Encoder-decoder with a shape-stream neck fed by image gradients.

    At build it checks that the decode head trains the shape stream (a
    head with :class:`ShapeStreamLossMixin`, e.g. ``GSCNNHead``) and that
    every head's ``in_channels`` match the neck's ``in_channels`` at its
    ``in_index``.

    Args:
        image_gradient (dict): Arguments of :class:`CannyImageGradient`
            (``low_threshold``, ``high_threshold``, ``backend``,
            ``hysteresis_iters``). Default: Canny(10, 100), the official
            thresholds, as tensor ops.
        **kwargs: ``EncoderDecoder`` arguments; ``neck`` is required and
            must take ``(features, image_gradient)`` and return
            :class:`ShapeStreamFeatures`, e.g. ``GatedShapeStream``.
    """

    def __init__(self,
                 backbone: ConfigType,
                 decode_head: ConfigType,
                 neck: OptConfigType = None,
                 image_gradient: dict = dict(
                     low_threshold=10., high_threshold=100.),
                 **kwargs):
        if neck is None:
            raise ValueError(
                'ShapeStreamEncoderDecoder needs a shape-stream neck, e.g. '
                "neck=dict(type='GatedShapeStream', in_channels=[...])")
        super().__init__(
            backbone=backbone, decode_head=decode_head, neck=neck, **kwargs)
        self.image_gradient = CannyImageGradient(**image_gradient)
        self._check_heads()
        #: Edge logits (N, 1, H, W) of the last whole / slide inference,
        #: aligned with the seg logits it returned; consumed (and reset) by
        #: :meth:`postprocess_result`.
        self.edge_logits: Optional[Tensor] = None

    def _check_heads(self) -> None:
        """Build-time checks of the heads against the neck."""
        head = self.decode_head
        if not isinstance(head, ShapeStreamLossMixin):
            raise TypeError(
                f'ShapeStreamEncoderDecoder: decode_head {type(head).__name__}'
                ' does not consume the shape stream, whose parameters would '
                'get no gradient; use a shape-stream head (GSCNNHead, '
                "GSCNNSepASPPHead) or type='EncoderDecoder' without the "
                'GatedShapeStream neck')
        available = getattr(self.neck, 'in_channels', None)
        if not isinstance(available, (list, tuple)):
            raise TypeError(
                f'ShapeStreamEncoderDecoder: neck {type(self.neck).__name__} '
                'must expose in_channels (one per backbone output)')
        heads = [('decode_head', head)]
        if self.with_auxiliary_head:
            aux = self.auxiliary_head
            aux = list(aux) if isinstance(aux, torch.nn.ModuleList) else [aux]
            heads += [(f'auxiliary_head[{i}]', h) for i, h in enumerate(aux)]
        for name, h in heads:
            for indices, channels in _expected_channels(h):
                if not all(-len(available) <= i < len(available)
                           for i in indices):
                    raise ValueError(
                        f'ShapeStreamEncoderDecoder: {name} '
                        f'({type(h).__name__}) reads backbone outputs '
                        f'{list(indices)}, but the neck has '
                        f'{len(available)} (neck.in_channels='
                        f'{list(available)})')
                got = sum(available[i] for i in indices)
                if channels != got:
                    where = 'at backbone output' if len(indices) == 1 else \
                        'in total at backbone outputs'
                    at = indices[0] if len(indices) == 1 else list(indices)
                    raise ValueError(
                        f'ShapeStreamEncoderDecoder: {name} '
                        f'({type(h).__name__}) expects {channels} channels '
                        f'{where} {at}, the neck is configured for {got} '
                        f'(neck.in_channels={list(available)})')

    def unnormalize(self, inputs: Tensor) -> Tensor:
        """Undo the data preprocessor's ``(x - mean) / std``."""
        preprocessor = self.data_preprocessor
        if getattr(preprocessor, '_enable_normalize', False):
            mean, std = preprocessor.mean, preprocessor.std
            if mean.shape[0] != inputs.shape[1]:
                raise ValueError(
                    f'ShapeStreamEncoderDecoder: data_preprocessor has '
                    f'{mean.shape[0]} mean values for {inputs.shape[1]}-'
                    'channel inputs')
            return inputs * std + mean
        return inputs

    def extract_feat(self, inputs: Tensor) -> ShapeStreamFeatures:
        """Backbone features, then the neck with the image gradients."""
        x = self.backbone(inputs)
        gradient = self.image_gradient(self.unnormalize(inputs))
        return self.neck(x, gradient)

    def encode_decode_with_edges(
            self, inputs: Tensor,
            batch_img_metas: List[dict]) -> Tuple[Tensor, Tensor]:
        """Seg logits and edge logits, both at the input size.

        Returns:
            tuple[Tensor]: Seg logits (N, num_classes, H, W) and edge
            logits (N, 1, H, W).
        """
        x = self.extract_feat(inputs)
        seg_logits = self.decode_head.predict(x, batch_img_metas,
                                              self.test_cfg)
        edge_logits = resize(
            x.edge_logits.to(seg_logits.dtype),
            size=seg_logits.shape[2:],
            mode='bilinear',
            align_corners=self.align_corners)
        return seg_logits, edge_logits

    def encode_decode(self, inputs: Tensor,
                      batch_img_metas: List[dict]) -> Tensor:
        """Seg logits (N, num_classes, H, W), as every mmseg segmentor."""
        return self.encode_decode_with_edges(inputs, batch_img_metas)[0]

    def whole_inference(self, inputs: Tensor,
                        batch_img_metas: List[dict]) -> Tensor:
        """Seg logits of the whole image; edge logits to
        :attr:`edge_logits`."""
        seg_logits, self.edge_logits = self.encode_decode_with_edges(
            inputs, batch_img_metas)
        return seg_logits

    def slide_inference(self, inputs: Tensor,
                        batch_img_metas: List[dict]) -> Tensor:
        """mmseg's sliding window for the seg logits, then the same windows
        of edge logits stitched by it again (no second forward)."""
        edge_crops = []

        def seg_of_crop(crop: Tensor, metas: List[dict]) -> Tensor:
            seg_logits, edge_logits = self.encode_decode_with_edges(
                crop, metas)
            edge_crops.append(edge_logits)
            return seg_logits

        seg_logits = EncoderDecoder.slide_inference(
            SimpleNamespace(
                test_cfg=self.test_cfg,
                out_channels=self.out_channels,
                encode_decode=seg_of_crop), inputs, batch_img_metas)
        replay = iter(edge_crops)
        self.edge_logits = EncoderDecoder.slide_inference(
            SimpleNamespace(
                test_cfg=self.test_cfg,
                out_channels=1,
                encode_decode=lambda crop, metas: next(replay)), inputs,
            batch_img_metas)
        return seg_logits

    def postprocess_result(self,
                           seg_logits: Tensor,
                           data_samples: OptSampleList = None) -> SampleList:
        """mmseg's post-processing, plus ``pred_edge_map`` from
        :attr:`edge_logits` when an inference produced them.

        The edge map goes through the same mmseg post-processing as a
        two-class (background, edge) logit map ``(0, z)``, whose softmax is
        ``(1 - sigmoid(z), sigmoid(z))``.
        """
        edge_logits, self.edge_logits = self.edge_logits, None
        # mmseg post-processes geometry only for given data samples
        views = None if data_samples is None else [
            SegDataSample(metainfo=s.metainfo) for s in data_samples
        ]
        data_samples = super().postprocess_result(seg_logits, data_samples)
        if edge_logits is None:
            return data_samples
        if (edge_logits.shape[0] != seg_logits.shape[0]
                or edge_logits.shape[2:] != seg_logits.shape[2:]):
            raise ValueError(
                'ShapeStreamEncoderDecoder: edge logits '
                f'{tuple(edge_logits.shape)} do not belong to seg logits '
                f'{tuple(seg_logits.shape)}')
        views = super().postprocess_result(
            torch.cat([torch.zeros_like(edge_logits), edge_logits], dim=1),
            views)
        for sample, view in zip(data_samples, views):
            sample.set_data({
                'pred_edge_map':
                PixelData(data=view.seg_logits.data[1:].sigmoid())
            })
        return data_samples
