# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Image, ground truth, prediction and predicted edges in one picture."""
from typing import List, Optional, Tuple

import cv2
import mmcv
import numpy as np
import torch
from mmengine.dist import master_only
from mmengine.structures import PixelData
from mmseg.registry import VISUALIZERS
from mmseg.structures import SegDataSample
from mmseg.visualization import SegLocalVisualizer

from .edge_map import edge_map_to_uint8


def _as_numpy(data) -> np.ndarray:
    """PixelData content (tensor or array) as a numpy array."""
    if isinstance(data, torch.Tensor):
        data = data.detach().cpu().numpy()
    return np.asarray(data)


def _fit_label_map(sem_seg: PixelData, shape: Tuple[int, int]) -> PixelData:
    """A (1, H, W) label map resized (nearest) to the image's (H, W)."""
    labels = _as_numpy(sem_seg.data)
    labels = labels.reshape(labels.shape[-2:])
    if labels.shape != shape:
        labels = cv2.resize(
            labels.astype(np.int32), (shape[1], shape[0]),
            interpolation=cv2.INTER_NEAREST)
    return PixelData(data=torch.from_numpy(labels.astype(np.int64))[None])


def _edge_panel(edge_map: PixelData, shape: Tuple[int, int]) -> np.ndarray:
    """Edge probabilities as a greyscale RGB panel: white = edge."""
    grey = edge_map_to_uint8(edge_map, 'SideBySideSegVisualizer', shape)
    return np.repeat(grey[..., None], 3, axis=2)


def _caption(panel: np.ndarray, text: str) -> np.ndarray:
    """Write ``text`` in the panel's top-left corner on a dark box."""
    panel = panel.copy()
    scale = max(0.35, min(panel.shape[:2]) / 600)
    thickness = 1 if scale < 0.8 else 2
    (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale,
                                     thickness)
    cv2.rectangle(panel, (0, 0), (tw + 6, th + base + 6), (0, 0, 0), -1)
    cv2.putText(panel, text, (3, th + 3), cv2.FONT_HERSHEY_SIMPLEX, scale,
                (255, 255, 255), thickness, cv2.LINE_AA)
    return panel


@VISUALIZERS.register_module()
class SideBySideSegVisualizer(SegLocalVisualizer):
    """Draw image | ground truth | prediction [| predicted edges].

    mmseg's :class:`SegLocalVisualizer` draws ground truth and prediction
    only; comparing models by eye needs the image and, for shape-stream
    models, ``pred_edge_map`` beside them (white = edge). Panels have the
    image's size (labels resized nearest) and captions.

    Args:
        name (str): Instance name. Defaults to ``'visualizer'``.
        classes (list, optional): Class names (the Runner sets them).
        palette (list, optional): One RGB colour per class.
        dataset_name (str, optional): Dataset of the default classes and
            palette. Defaults to None (Cityscapes).
        captions (bool): Write panel names on the panels. Defaults to True.
        **kwargs: Other :class:`SegLocalVisualizer` arguments.
    """

    def __init__(self,
                 name: str = 'visualizer',
                 classes: Optional[List] = None,
                 palette: Optional[List] = None,
                 dataset_name: Optional[str] = None,
                 captions: bool = True,
                 **kwargs) -> None:
        super().__init__(name=name, dataset_name=dataset_name, **kwargs)
        # mmseg 1.2.2's constructor passes palette and classes swapped to
        # `set_dataset_meta`; set them in the right order.
        self.set_dataset_meta(classes, palette, dataset_name)
        self.captions = captions

    def _panels(self, image: np.ndarray, data_sample: SegDataSample,
                draw_gt: bool, draw_pred: bool,
                with_labels: bool) -> List[Tuple[str, np.ndarray]]:
        """The (caption, RGB panel) pairs to put side by side."""
        classes = self.dataset_meta.get('classes', None)
        palette = self.dataset_meta.get('palette', None)
        shape = image.shape[:2]
        panels = [('image', image)]
        wanted = [('gt_sem_seg', 'ground truth', draw_gt),
                  ('pred_sem_seg', 'prediction', draw_pred)]
        for key, caption, draw in wanted:
            if not draw or key not in data_sample:
                continue
            if classes is None or palette is None:
                raise ValueError('SideBySideSegVisualizer: dataset_meta needs '
                                 "'classes' and 'palette' to draw label maps")
            sem_seg = _fit_label_map(data_sample.get(key), shape)
            panels.append((caption,
                           self._draw_sem_seg(image, sem_seg, classes, palette,
                                              with_labels)))
        if draw_pred and 'pred_edge_map' in data_sample:
            panels.append(('predicted edges',
                           _edge_panel(data_sample.pred_edge_map, shape)))
        return panels

    @master_only
    def add_datasample(self,
                       name: str,
                       image: np.ndarray,
                       data_sample: Optional[SegDataSample] = None,
                       draw_gt: bool = True,
                       draw_pred: bool = True,
                       show: bool = False,
                       wait_time: float = 0,
                       out_file: Optional[str] = None,
                       step: int = 0,
                       with_labels: Optional[bool] = True) -> None:
        """Draw the panels side by side and save or show them.

        Args:
            name (str): Image identifier (file name stem of the saved PNG).
            image (np.ndarray): (H, W, 3) RGB image.
            data_sample (SegDataSample, optional): With ``gt_sem_seg``,
                ``pred_sem_seg`` and optionally ``pred_edge_map``.
            draw_gt (bool): Draw the ground-truth panel. Defaults to True.
            draw_pred (bool): Draw prediction and edges. Defaults to True.
            show (bool): Display instead of saving. Defaults to False.
            wait_time (float): Display interval (s). Defaults to 0.
            out_file (str, optional): Write the picture there instead.
            step (int): Global step recorded by the backends. Defaults to 0.
            with_labels (bool): Write class names on the label maps.
        """
        if image.ndim != 3 or image.shape[2] != 3:
            raise ValueError('SideBySideSegVisualizer: image must be (H, W, '
                             f'3) RGB, got shape {tuple(image.shape)}')
        panels = self._panels(image, data_sample or SegDataSample(), draw_gt,
                              draw_pred, bool(with_labels))
        if self.captions:
            panels = [(c, _caption(p, c)) for c, p in panels]
        drawn_img = np.concatenate([p for _, p in panels], axis=1)
        self.set_image(drawn_img)
        if show:
            self.show(drawn_img, win_name=name, wait_time=wait_time)
        if out_file is not None:
            mmcv.imwrite(mmcv.rgb2bgr(drawn_img), out_file)
        else:
            self.add_image(name, drawn_img, step)


#: mmseg's visualizer types, which cannot draw ``pred_edge_map``.
MMSEG_VISUALIZERS = ('SegLocalVisualizer', 'mmseg.SegLocalVisualizer')


def edge_visualizer_cfg(cfg: Optional[dict]) -> dict:
    """A copy of ``cfg`` (``cfg.visualizer``) that draws ``pred_edge_map``:
    mmseg's ``SegLocalVisualizer`` becomes :class:`SideBySideSegVisualizer`
    with the same arguments, other types are kept; None gives a
    :class:`SideBySideSegVisualizer` with a local backend.
    """
    if cfg is None:
        return dict(
            type='SideBySideSegVisualizer',
            vis_backends=[dict(type='LocalVisBackend')])
    cfg = dict(cfg)
    if cfg.get('type') in MMSEG_VISUALIZERS:
        cfg['type'] = 'SideBySideSegVisualizer'
    return cfg
