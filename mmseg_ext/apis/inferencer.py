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

    Shape-stream segmentors (Gated-SCNN, Takikawa et al., ICCV 2019) predict
    a boundary map next to the labels, in ``SegDataSample.pred_edge_map``
    ((1, H, W) probabilities in [0, 1]). mmseg's inferencer ignores it; this
    subclass, with the same arguments and call, adds it wherever mmseg puts
    the labels:

    - ``out_dir``: ``pred/<n>_edge.png`` beside mmseg's ``pred/<n>_pred.png``
      (8-bit greyscale, value / 255 = edge probability; see
      :mod:`mmseg_ext.visualization.edge_map`);
    - the returned dict: key ``'edge_maps'``, the (H, W) float32
      probabilities (one array for one input, else a list);
    - the visualisation (``show``, ``out_dir``'s ``vis/``, ``return_vis``):
      drawn by the config's visualizer; mmseg's ``SegLocalVisualizer``,
      which cannot draw edges, is replaced by
      :class:`~mmseg_ext.visualization.SideBySideSegVisualizer` (image |
      prediction | predicted edges).

    Models without a shape stream give exactly mmseg's outputs (no edge
    files, no ``'edge_maps'`` key).

    Example::

        >>> from mmseg_ext.apis import MMSegExtInferencer
        >>> inferencer = MMSegExtInferencer(CONFIG, CHECKPOINT, device='cpu')
        >>> result = inferencer('street.png', out_dir='outputs')
        >>> result['edge_maps'].shape  # (H, W); outputs/pred/*_edge.png

    Args: as :class:`mmseg.apis.MMSegInferencer`.
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
        """mmseg's post-processing, then the edge maps (see the class).

        Args and Returns: as :meth:`mmseg.apis.MMSegInferencer.postprocess`,
        plus ``'edge_maps'`` in the dict for shape-stream models.
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
