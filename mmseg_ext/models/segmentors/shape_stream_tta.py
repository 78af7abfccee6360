# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Test-time augmentation that also merges ``pred_edge_map``."""
from typing import List

import torch
from mmengine.structures import PixelData
from mmseg.models.segmentors import SegTTAModel
from mmseg.registry import MODELS
from mmseg.utils import SampleList


@MODELS.register_module()
class ShapeStreamTTAModel(SegTTAModel):
    """mmseg's ``SegTTAModel`` (mean of softmax over the augmentations)
    that also averages the edge probabilities ``pred_edge_map`` of a
    :class:`ShapeStreamEncoderDecoder` (already flipped back and resized to
    the original shape by the segmentor). Without it ``SegTTAModel`` keeps
    the edge map of the last augmentation only.
    """

    def merge_preds(self, data_samples_list: List[SampleList]) -> SampleList:
        """Merge the predictions of the augmented views of each image."""
        predictions = super().merge_preds(data_samples_list)
        for merged, views in zip(predictions, data_samples_list):
            edges = [
                view.pred_edge_map.data for view in views
                if 'pred_edge_map' in view
            ]
            if edges:
                merged.set_data({
                    'pred_edge_map':
                    PixelData(data=torch.stack(edges).mean(dim=0))
                })
        return predictions
