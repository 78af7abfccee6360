# Copyright (c) mmseg_ext contributors. All rights reserved.
"""``EncoderDecoder`` with the Gated-SCNN shape stream, for any decode head.

`Gated-SCNN <https://arxiv.org/abs/1907.05740>`_ adds a shape stream
beside the backbone. This segmentor owns all it adds: :meth:`extract_feat`
(backbone, then the neck on the features and the Canny edges of the
un-normalised input), the fusion at the decode head's input (in the head's
ASPP for ``reads_shape_stream`` heads, else :class:`EdgeFeatureFusion`),
:class:`ShapeStreamLoss` on the head's logits, and ``pred_edge_map`` in
:meth:`predict`. docs/architecture.md says why these live here.
"""
import warnings
from typing import List, Tuple

import torch
from mmengine.structures import PixelData
from mmseg.models.segmentors import EncoderDecoder
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from mmseg.utils import (ConfigType, OptConfigType, OptSampleList, SampleList,
                         add_prefix)
from torch import Tensor

from ..losses.shape_stream_loss import ShapeStreamLoss
from ..necks.edge_feature_fusion import EdgeFeatureFusion
from ..necks.shape_stream_features import ShapeStreamFeatures
from ..utils.config_checks import LabelCheckMixin, check_label_values
from ..utils.image_gradient import CannyImageGradient
from ..utils.sliding_windows import sliding_windows
from .shape_stream_checks import check_shape_stream_heads

#: Head arguments of earlier versions, now keys of ``shape_stream_loss``.
LEGACY_HEAD_LOSS_KEYS = ('loss_edge', 'loss_edge_att', 'loss_dual')


def _move_legacy_head_losses(decode_head: ConfigType,
                             shape_stream_loss: dict) -> Tuple[dict, dict]:
    """Take ``loss_edge``/``loss_edge_att``/``loss_dual`` out of a head
    config written for an earlier version into ``shape_stream_loss``."""
    decode_head, shape_stream_loss = dict(decode_head), dict(shape_stream_loss)
    moved = [k for k in LEGACY_HEAD_LOSS_KEYS if k in decode_head]
    for key in moved:
        if key in shape_stream_loss:
            raise ValueError(
                f'ShapeStreamEncoderDecoder: {key} is set both in '
                f'decode_head ({decode_head.get("type")}) and in '
                'shape_stream_loss; keep it in shape_stream_loss only')
        shape_stream_loss[key] = decode_head.pop(key)
    if moved:
        warnings.warn(
            f'ShapeStreamEncoderDecoder: decode_head.{"/".join(moved)} '
            'moved to model.shape_stream_loss (the losses now apply to any '
            'decode head); the values were moved there', DeprecationWarning)
    return decode_head, shape_stream_loss


def _batch_img_metas(inputs: Tensor,
                     data_samples: OptSampleList) -> List[dict]:
    """Image metas of a batch; mmseg's defaults without data samples."""
    if data_samples is not None:
        return [sample.metainfo for sample in data_samples]
    shape = inputs.shape[2:]
    return [
        dict(
            ori_shape=shape,
            img_shape=shape,
            pad_shape=shape,
            padding_size=[0, 0, 0, 0]) for _ in range(inputs.shape[0])
    ]


@MODELS.register_module()
class ShapeStreamEncoderDecoder(EncoderDecoder):
    """Encoder-decoder with a Gated-SCNN shape stream for any decode head.

    Args:
        image_gradient (dict): :class:`CannyImageGradient` arguments.
            Default: Canny(10, 100), the official thresholds.
        edge_fusion (dict, optional): Fusion at the input of a head that does
            not read the stream; None for a head that does. Default: an
            ``EdgeFeatureFusion`` with the head's settings.
        shape_stream_loss (dict): :class:`ShapeStreamLoss` config;
            ``ignore_index`` defaults to the head's. Default: official terms.
        **kwargs: ``EncoderDecoder`` arguments; ``neck`` is required, takes
            ``(features, image_gradient)`` and returns
            :class:`ShapeStreamFeatures` (e.g. ``GatedShapeStream``).
    """

    def __init__(self,
                 backbone: ConfigType,
                 decode_head: ConfigType,
                 neck: OptConfigType = None,
                 image_gradient: dict = dict(
                     low_threshold=10., high_threshold=100.),
                 edge_fusion: OptConfigType = None,
                 shape_stream_loss: dict = dict(type='ShapeStreamLoss'),
                 **kwargs):
        if neck is None:
            raise ValueError(
                'ShapeStreamEncoderDecoder needs a shape-stream neck, e.g. '
                "neck=dict(type='GatedShapeStream', in_channels=[...])")
        decode_head, shape_stream_loss = _move_legacy_head_losses(
            decode_head, shape_stream_loss)
        super().__init__(
            backbone=backbone, decode_head=decode_head, neck=neck, **kwargs)
        self.image_gradient = CannyImageGradient(**image_gradient)
        head = self.decode_head
        reads_stream = getattr(head, 'reads_shape_stream', False)
        check_shape_stream_heads(self, edge_fusion, reads_stream)
        self.edge_fusion = None
        if not reads_stream:
            fusion = dict(edge_fusion or dict(type=EdgeFeatureFusion.__name__))
            fusion.setdefault('in_channels', self.neck.in_channels)
            fusion.setdefault('in_index', head.in_index)
            fusion.setdefault('norm_cfg', head.norm_cfg)
            fusion.setdefault('act_cfg', head.act_cfg)
            fusion.setdefault('align_corners', head.align_corners)
            self.edge_fusion = MODELS.build(fusion)
        shape_stream_loss.setdefault('type', ShapeStreamLoss.__name__)
        shape_stream_loss.setdefault('ignore_index', head.ignore_index)
        self.shape_stream_loss = MODELS.build(shape_stream_loss)

    # ---- features -------------------------------------------------------
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

    def head_inputs(self, x: ShapeStreamFeatures) -> Tuple[Tensor, ...]:
        """What the decode head reads: ``x`` itself for a head that reads
        the stream, else the features with the edge map fused in."""
        return x if self.edge_fusion is None else self.edge_fusion(x)

    # ---- training -------------------------------------------------------
    def _decode_head_forward_train(self, inputs: ShapeStreamFeatures,
                                   data_samples: SampleList) -> dict:
        """The head's losses (its ``forward`` then ``loss_by_feat``, keeping
        the logits) and the shape-stream losses on its logits.
        """
        head = self.decode_head
        seg_label = torch.stack([s.gt_sem_seg.data for s in data_samples])
        if not isinstance(head, LabelCheckMixin):
            # mmseg's heads leave the ids to their CE; the shape-stream
            # losses index by them too: one device-side check, here
            check_label_values(
                type(head).__name__, seg_label, head.num_classes,
                head.ignore_index)
        seg_logits = head.forward(self.head_inputs(inputs))
        losses = head.loss_by_feat(seg_logits, data_samples)
        edge_target = None
        if self.shape_stream_loss.needs_edge_target:
            if not all('gt_edge_map' in s for s in data_samples):
                raise KeyError(
                    'ShapeStreamEncoderDecoder: loss_edge needs '
                    '`gt_edge_map` in the data samples; add '
                    "dict(type='GenerateSegBoundary', radius=2) to the "
                    'train pipeline before PackSegInputs (or set '
                    'shape_stream_loss.loss_edge=None).')
            edge_target = torch.stack(
                [s.gt_edge_map.data for s in data_samples])
        terms = self.shape_stream_loss(
            seg_logits,
            inputs.edge_logits,
            seg_label.squeeze(1),
            edge_target,
            align_corners=head.align_corners)
        for name, value in terms.items():
            losses[name] = losses[name] + value if name in losses else value
        return add_prefix(losses, 'decode')

    # ---- inference ------------------------------------------------------
    def _forward(self,
                 inputs: Tensor,
                 data_samples: OptSampleList = None) -> Tensor:
        """Seg logits of the head, before resizing (``mode='tensor'``)."""
        return self.decode_head.forward(
            self.head_inputs(self.extract_feat(inputs)))

    def encode_decode_with_edges(
            self, inputs: Tensor,
            batch_img_metas: List[dict]) -> Tuple[Tensor, Tensor]:
        """Seg logits (N, num_classes, H, W) and edge logits (N, 1, H, W),
        both at the input size."""
        x = self.extract_feat(inputs)
        seg_logits = self.decode_head.predict(
            self.head_inputs(x), batch_img_metas, self.test_cfg)
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

    def slide_inference_with_edges(
            self, inputs: Tensor,
            batch_img_metas: List[dict]) -> Tuple[Tensor, Tensor]:
        """mmseg's sliding-window inference (same windows, mean over the
        overlaps) of the seg and the edge logits together."""
        batch, _, height, width = inputs.shape
        seg = inputs.new_zeros((batch, self.out_channels, height, width))
        edge = inputs.new_zeros((batch, 1, height, width))
        count = inputs.new_zeros((1, 1, height, width))
        windows = sliding_windows((height, width), self.test_cfg.crop_size,
                                  self.test_cfg.stride)
        for y1, y2, x1, x2 in windows:
            crop = inputs[:, :, y1:y2, x1:x2]
            metas = [
                dict(m, img_shape=crop.shape[2:]) for m in batch_img_metas
            ]
            crop_seg, crop_edge = self.encode_decode_with_edges(crop, metas)
            seg[:, :, y1:y2, x1:x2] += crop_seg
            edge[:, :, y1:y2, x1:x2] += crop_edge
            count[:, :, y1:y2, x1:x2] += 1
        return seg / count, edge / count

    def inference_with_edges(
            self, inputs: Tensor,
            batch_img_metas: List[dict]) -> Tuple[Tensor, Tensor]:
        """Whole or slide inference (``test_cfg.mode``) of both maps."""
        ori_shape = batch_img_metas[0]['ori_shape']
        if any(m['ori_shape'] != ori_shape for m in batch_img_metas):
            raise ValueError('ShapeStreamEncoderDecoder: the images of a '
                             'batch must share ori_shape, as in mmseg')
        if self.test_cfg.get('mode', 'whole') == 'slide':
            return self.slide_inference_with_edges(inputs, batch_img_metas)
        return self.encode_decode_with_edges(inputs, batch_img_metas)

    def predict(self,
                inputs: Tensor,
                data_samples: OptSampleList = None) -> SampleList:
        """mmseg's prediction plus ``pred_edge_map`` in every sample:
        ``PixelData`` (1, H, W) of edge probabilities in [0, 1], through
        the same post-processing as the seg logits."""
        batch_img_metas = _batch_img_metas(inputs, data_samples)
        seg_logits, edge_logits = self.inference_with_edges(
            inputs, batch_img_metas)
        # mmseg post-processes geometry only for given data samples
        views = None if data_samples is None else [
            SegDataSample(metainfo=s.metainfo) for s in data_samples
        ]
        results = self.postprocess_result(seg_logits, data_samples)
        # The edge map as a two-class logit map (0, z): its softmax is
        # (1 - sigmoid(z), sigmoid(z)), resized like the seg logits.
        views = self.postprocess_result(
            torch.cat([torch.zeros_like(edge_logits), edge_logits], dim=1),
            views)
        for sample, view in zip(results, views):
            sample.set_data({
                'pred_edge_map':
                PixelData(data=view.seg_logits.data[1:].sigmoid())
            })
        return results
