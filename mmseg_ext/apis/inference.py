# Copyright (c) mmseg_ext contributors. All rights reserved.
""":func:`mmseg.apis.show_result_pyplot` that draws edge maps."""
from datetime import datetime
from typing import Optional, Union

import mmcv
import numpy as np
from mmengine.utils import mkdir_or_exist
from mmseg.models import BaseSegmentor
from mmseg.registry import VISUALIZERS
from mmseg.structures import SegDataSample

from mmseg_ext.visualization import edge_visualizer_cfg


def show_result_pyplot(model: BaseSegmentor,
                       img: Union[str, np.ndarray],
                       result: SegDataSample,
                       opacity: float = 0.5,
                       title: str = '',
                       draw_gt: bool = True,
                       draw_pred: bool = True,
                       wait_time: float = 0,
                       show: bool = True,
                       with_labels: Optional[bool] = True,
                       save_dir: Optional[str] = None,
                       out_file: Optional[str] = None) -> np.ndarray:
    """Draw a segmentation result, with the edge map of shape-stream models.

    A drop-in for :func:`mmseg.apis.show_result_pyplot`, whose fixed
    ``SegLocalVisualizer`` never draws ``pred_edge_map``: this one uses the
    type of ``model.cfg.visualizer`` (:func:`edge_visualizer_cfg`).

    Args:
        model (BaseSegmentor): From :func:`mmseg.apis.init_model`.
        img (str | np.ndarray): Image file or (H, W, 3) RGB array.
        result (SegDataSample): Output of :func:`mmseg.apis.inference_model`.
        opacity (float): Opacity of the labels, in (0, 1]. Defaults to 0.5.
        title (str): Window title / picture name. Defaults to ''.
        draw_gt (bool): Draw ``gt_sem_seg`` if present. Defaults to True.
        draw_pred (bool): Draw prediction and edges. Defaults to True.
        wait_time (float): Display interval (s), 0 = until closed.
        show (bool): Display the picture. Defaults to True.
        with_labels (bool, optional): Class names on labels. Defaults True.
        save_dir (str, optional): Folder of the local backend.
        out_file (str, optional): Write the picture to this file.

    Returns:
        np.ndarray: The drawn (H, W', 3) RGB picture.
    """
    if hasattr(model, 'module'):
        model = model.module
    if isinstance(img, str):
        image = mmcv.imread(img, channel_order='rgb')
    else:
        image = img
    if save_dir is not None:
        mkdir_or_exist(save_dir)
    cfg = getattr(model, 'cfg', None)
    vis_cfg = edge_visualizer_cfg(
        cfg.get('visualizer', None) if cfg is not None else None)
    vis_cfg.update(
        vis_backends=[dict(type='LocalVisBackend')],
        save_dir=save_dir,
        alpha=opacity)
    # A fresh instance: the registry returns an existing one of the name.
    vis_cfg['name'] = f'show_result_pyplot-{datetime.now().timestamp()}'
    visualizer = VISUALIZERS.build(vis_cfg)
    visualizer.dataset_meta = dict(
        classes=model.dataset_meta['classes'],
        palette=model.dataset_meta['palette'])
    visualizer.add_datasample(
        name=title,
        image=image,
        data_sample=result,
        draw_gt=draw_gt,
        draw_pred=draw_pred,
        wait_time=wait_time,
        out_file=out_file,
        show=show,
        with_labels=with_labels)
    return visualizer.get_image()
