# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Image-level class-presence supervision as an mmseg auxiliary head."""
from typing import List, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.registry import MODELS
from torch import Tensor

from ..utils.config_checks import check_input_channels, check_label_values


def class_presence_targets(labels: Union[Tensor, Sequence[Tensor]],
                           num_classes: int,
                           ignore_index: int = 255,
                           owner: str = 'class_presence_targets') -> Tensor:
    """Multi-hot (N, K) float vector of the classes present in each label map.

    Args:
        labels (Tensor | Sequence[Tensor]): (N, 1, H, W) or (N, H, W), or N
            maps of any shapes.
        num_classes (int): Number of classes ``K``.
        ignore_index (int): Label never counted as present.
        owner (str): Who asks, named in the error on a bad label id.

    Raises:
        ConfigMismatchError: If a map holds an id outside ``[0, K)``.
    """
    check_label_values(owner, list(labels), num_classes, ignore_index)
    targets = []
    for label in labels:
        # ignored pixels go to an extra slot K, dropped below: fixed
        # shapes, no host round trip (unlike torch.unique)
        ids = torch.where(label == ignore_index, num_classes,
                          label).reshape(-1).long()
        present = torch.zeros(num_classes + 1, device=label.device)
        targets.append(present.index_fill_(0, ids, 1.)[:num_classes])
    return torch.stack(targets)


@MODELS.register_module()
class ClassPresenceHead(BaseDecodeHead):
    """Predict which classes occur in the image, as auxiliary supervision.

    The image-level classifier of the community pspnet-pytorch model as an
    mmseg ``auxiliary_head``: global max pooling of the selected features
    (default ``in_index=2``), an MLP (1x1 conv with ``channels`` hidden units,
    then ``conv_seg``), BCE against the classes present in the ground truth.
    (N, C, H, W) features give (N, K) logits. Logs ``acc_presence``; the MLP
    has no norm (BatchNorm fails at batch 1). ``predict`` raises: use
    :meth:`predict_presence`.

    Args:
        loss_decode (dict | Sequence[dict]): Sigmoid losses on (N, K) logits
            and targets. Default ``CrossEntropyLoss(use_sigmoid=True,
            loss_weight=0.4, loss_name='loss_presence')``.
        dropout_ratio (float): Dropout before the output layer. Default 0.
        **kwargs: ``BaseDecodeHead`` arguments (``channels`` = hidden width).
    """

    def __init__(self,
                 loss_decode: Union[dict, Sequence[dict]] = dict(
                     type='CrossEntropyLoss',
                     use_sigmoid=True,
                     avg_non_ignore=True,
                     loss_weight=0.4,
                     loss_name='loss_presence'),
                 dropout_ratio: float = 0.,
                 **kwargs) -> None:
        super().__init__(
            loss_decode=loss_decode, dropout_ratio=dropout_ratio, **kwargs)
        if self.input_transform == 'multiple_select':
            raise ValueError(f'{type(self).__name__} takes one feature map: '
                             "input_transform='multiple_select' is not "
                             'supported')
        if self.out_channels != self.num_classes:
            raise ValueError(
                f'{type(self).__name__} predicts one logit per class: '
                f'out_channels ({self.out_channels}) must equal num_classes '
                f'({self.num_classes})')
        for loss in self._losses():
            if not getattr(loss, 'use_sigmoid', False):
                raise ValueError(
                    f'{type(self).__name__} is multi-label: loss_decode must '
                    'be a sigmoid loss such as CrossEntropyLoss('
                    f'use_sigmoid=True), got {type(loss).__name__} with '
                    f"use_sigmoid={getattr(loss, 'use_sigmoid', None)}")
        self.hidden = ConvModule(
            self.in_channels,
            self.channels,
            1,
            conv_cfg=self.conv_cfg,
            norm_cfg=None,
            act_cfg=self.act_cfg)

    def _losses(self) -> List[nn.Module]:
        if isinstance(self.loss_decode, nn.ModuleList):
            return list(self.loss_decode)
        return [self.loss_decode]

    def forward(self, inputs: Tuple[Tensor]) -> Tensor:
        """Multi-level features -> (N, num_classes) presence logits."""
        check_input_channels(self, inputs)
        x = F.adaptive_max_pool2d(self._transform_inputs(inputs), 1)
        return self.cls_seg(self.hidden(x)).flatten(1)

    def loss_by_feat(self, seg_logits: Tensor,
                     batch_data_samples: list) -> dict:
        """Presence losses and ``acc_presence`` (percent of correct
        (image, class) decisions at probability 0.5).

        Args:
            seg_logits (Tensor): (N, K) presence logits from :meth:`forward`.
            batch_data_samples (list[SegDataSample]): With ``gt_sem_seg``.

        Returns:
            dict[str, Tensor]: The losses and the accuracy.
        """
        logits = seg_logits.float()
        targets = class_presence_targets(
            [sample.gt_sem_seg.data for sample in batch_data_samples],
            self.num_classes, self.ignore_index,
            type(self).__name__).to(logits)
        losses = dict()
        for loss_decode in self._losses():
            # the mean over all (image, class) pairs, given as avg_factor:
            # mmseg's avg_non_ignore would count them with a host sync
            extra = dict(avg_factor=targets.numel()) if getattr(
                loss_decode, 'reduction', None) == 'mean' else {}
            value = loss_decode(
                logits, targets, ignore_index=self.ignore_index, **extra)
            name = loss_decode.loss_name
            losses[name] = losses[name] + value if name in losses else value
        correct = (logits.detach() > 0) == targets.bool()
        losses['acc_presence'] = correct.float().mean() * 100
        return losses

    def predict_presence(self, inputs: Tuple[Tensor]) -> Tensor:
        """Multi-level features -> (N, num_classes) presence probabilities."""
        return self.forward(inputs).sigmoid()

    def predict_by_feat(self, seg_logits: Tensor,
                        batch_img_metas: List[dict]) -> Tensor:
        raise RuntimeError(
            f'{type(self).__name__} predicts image-level class presence, not '
            'a segmentation map: use it in auxiliary_head (only used for '
            'losses), not as decode_head; call predict_presence() for the '
            'probabilities')
