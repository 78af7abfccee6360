# Copyright (c) mmseg_ext contributors. All rights reserved.
"""mmseg's inferencer, plus the edge maps of shape-stream models."""
import os.path as osp
from typing import List, Optional

import numpy as np
from mmengine.config import ConfigDict
from mmengine.visualization import Visualizer
from mmseg.apis import MMSegInferencer
from mmseg.registry import INFERENCERS
from mmseg.utils import ConfigType

from mmseg_ext.visualization import (EDGE_SUFFIX, edge_probabilities,
                                     edge_visualizer_cfg, write_edge_map)


@INFERENCERS.register_module()
class MMSegExtInferencer(MMSegInferencer):
    """:class:`mmseg.apis.MMSegInferencer` that also outputs edge maps.

    Same arguments and call. For shape-stream models ``pred_edge_map`` is
    added wherever mmseg puts the labels: ``pred/<n>_edge.png`` in
    ``out_dir``, key ``'edge_maps'`` ((H, W) float32, a list for several
    inputs) in the result, and the config's visualizer
    (:func:`edge_visualizer_cfg`). Other models give mmseg's outputs.

    Example::

        >>> inferencer = MMSegExtInferencer(CONFIG, CHECKPOINT)
        >>> result = inferencer('street.png', out_dir='outputs')
        >>> result['edge_maps'].shape  # (H, W)
    """

    def _init_visualizer(self, cfg: ConfigType) -> Optional[Visualizer]:
        """Build the config's visualizer, one that draws edge maps."""
        cfg.visualizer = ConfigDict(
            edge_visualizer_cfg(cfg.get('visualizer', None)))
        return super()._init_visualizer(cfg)

    def postprocess(self,
                    preds: List,
                    visualization: Optional[List[np.ndarray]],
                    return_datasample: bool = False,
                    pred_out_dir: str = '') -> dict:
        """mmseg's post-processing, plus ``'edge_maps'`` for shape-stream
        models (see the class).
        """
        first = self.num_pred_imgs
        results = super().postprocess(preds, visualization, return_datasample,
                                      pred_out_dir)
        if return_datasample:
            return results  # the data samples carry pred_edge_map
        edges = []
        for i, pred in enumerate(preds):
            if 'pred_edge_map' not in pred:
                continue
            edge_map = pred.pred_edge_map
            edges.append(edge_probabilities(edge_map, type(self).__name__))
            if pred_out_dir != '':
                name = str(first + i).zfill(8) + EDGE_SUFFIX
                write_edge_map(edge_map, osp.join(pred_out_dir, name),
                               type(self).__name__)
        if edges:
            results['edge_maps'] = edges[0] if len(preds) == 1 else edges
        return results
