# Copyright (c) mmseg_ext contributors. All rights reserved.
"""``EncoderDecoder`` whose neck also sees the input image's Canny edges.

Gated-SCNN (Takikawa et al., ICCV 2019) fuses its shape stream with the
image gradients. The segmentor computes them inside the model (batched
tensor ops on a GPU, ``cv2.Canny`` on a CPU) from the *un-normalised* batch
(the data preprocessor's mean/std undone), hands them to the neck in
:meth:`extract_feat`, and leaves every other path of mmseg's
``EncoderDecoder`` as it is: ``loss``, whole and slide inference, flip TTA.

Edge predictions: :meth:`encode_decode` appends the shape stream's edge
logits, resized like the seg logits, as one extra channel, so sliding
windows and flips treat them exactly like the seg logits;
:meth:`postprocess_result` splits that channel off into ``pred_edge_map``
(``PixelData`` (1, H, W), edge probabilities in [0, 1]).
"""
from typing import List

import torch
import torch.nn.functional as F
from mmengine.structures import PixelData
from mmseg.models.segmentors import EncoderDecoder
from mmseg.registry import MODELS
from mmseg.utils import ConfigType, OptConfigType, OptSampleList, SampleList
from torch import Tensor

from ..necks.gated_shape_stream import split_shape_stream_outputs
from .image_gradient import CannyImageGradient


@MODELS.register_module()
class ShapeStreamEncoderDecoder(EncoderDecoder):
    """Encoder-decoder with a shape-stream neck fed by image gradients.

    Args:
        image_gradient (dict): Arguments of :class:`CannyImageGradient`
            (``low_threshold``, ``high_threshold``, ``backend``...).
            Default: Canny(10, 100) (the official thresholds), 'auto'
            backend (tensor ops on a GPU, ``cv2.Canny`` on a CPU).
        **kwargs: ``EncoderDecoder`` arguments; ``neck`` is required and
            must take ``(features, image_gradient)``, e.g.
            ``GatedShapeStream``.
    """

    def __init__(self,
                 backbone: ConfigType,
                 decode_head: ConfigType,
                 neck: OptConfigType = None,
                 image_gradient: dict = dict(
                     low_threshold=10., high_threshold=100., backend='auto'),
                 **kwargs):
        if neck is None:
            raise ValueError(
                'ShapeStreamEncoderDecoder needs a shape-stream neck, e.g. '
                "neck=dict(type='GatedShapeStream', in_channels=[...])")
        super().__init__(
            backbone=backbone, decode_head=decode_head, neck=neck, **kwargs)
        self.image_gradient = CannyImageGradient(**image_gradient)

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

    def extract_feat(self, inputs: Tensor) -> List[Tensor]:
        """Backbone features, then the neck with the image gradients."""
        x = self.backbone(inputs)
        gradient = self.image_gradient(self.unnormalize(inputs))
        return self.neck(x, gradient)

    def encode_decode(self, inputs: Tensor,
                      batch_img_metas: List[dict]) -> Tensor:
        """Seg logits (N, C, H, W) plus the edge logits as channel C."""
        x = self.extract_feat(inputs)
        seg_logits = self.decode_head.predict(x, batch_img_metas,
                                              self.test_cfg)
        _, edge_logits, _ = split_shape_stream_outputs(x, type(self).__name__)
        edge_logits = F.interpolate(
            edge_logits.to(seg_logits.dtype),
            size=seg_logits.shape[2:],
            mode='bilinear',
            align_corners=self.align_corners)
        return torch.cat([seg_logits, edge_logits], dim=1)

    def slide_inference(self, inputs: Tensor,
                        batch_img_metas: List[dict]) -> Tensor:
        """mmseg's sliding window over the C + 1 channels of
        :meth:`encode_decode`."""
        self.out_channels += 1
        try:
            return super().slide_inference(inputs, batch_img_metas)
        finally:
            self.out_channels -= 1

    def postprocess_result(self,
                           seg_logits: Tensor,
                           data_samples: OptSampleList = None) -> SampleList:
        """mmseg's post-processing of the seg channels, plus
        ``pred_edge_map`` from the edge channel (unpadded, flipped back and
        resized to ``ori_shape`` the same way, then sigmoid)."""
        edge_logits = seg_logits[:, -1:]
        data_samples = super().postprocess_result(seg_logits[:, :-1],
                                                  data_samples)
        for i, sample in enumerate(data_samples):
            edge = edge_logits[i:i + 1]
            meta = sample.metainfo
            if 'ori_shape' in meta:
                edge = self._restore_geometry(edge, meta)
            sample.set_data(
                {'pred_edge_map': PixelData(data=edge.squeeze(0).sigmoid())})
        return data_samples

    def _restore_geometry(self, logits: Tensor, meta: dict) -> Tensor:
        """Remove padding, undo the flip, resize to ``ori_shape``."""
        height, width = logits.shape[2:]
        left, right, top, bottom = meta.get('img_padding_size',
                                            meta.get('padding_size', [0] * 4))
        logits = logits[:, :, top:height - bottom, left:width - right]
        if meta.get('flip', False):
            direction = meta.get('flip_direction', None)
            if direction not in ('horizontal', 'vertical'):
                raise ValueError(
                    f'ShapeStreamEncoderDecoder: unknown flip_direction '
                    f'{direction!r}')
            logits = logits.flip(
                dims=(3, ) if direction == 'horizontal' else (2, ))
        return F.interpolate(
            logits,
            size=tuple(meta['ori_shape'][:2]),
            mode='bilinear',
            align_corners=self.align_corners)
