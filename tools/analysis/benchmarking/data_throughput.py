# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Images/s of a config's train pipeline, as one dataloader worker."""
import inspect
import os.path as osp
import random
import time
from typing import Any, Dict, Optional

import cv2
import numpy as np
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS

from mmseg_ext.utils.benchmark import summarize_times


def data_unavailable(dataset_cfg: dict) -> Optional[str]:
    """Why the config's dataset cannot be read here, or None.

    Datasets that generate their data (an ``auto_generate`` argument, as
    ``DemoCityscapesDataset``) are always available.
    """
    if 'dataset' in dataset_cfg:
        return data_unavailable(dataset_cfg['dataset'])
    if 'datasets' in dataset_cfg:
        for sub in dataset_cfg['datasets']:
            reason = data_unavailable(sub)
            if reason:
                return reason
        return None
    cls = DATASETS.get(dataset_cfg.get('type'))
    if cls is None:
        return f'unknown dataset type {dataset_cfg.get("type")!r}'
    if 'auto_generate' in inspect.signature(cls.__init__).parameters \
            and dataset_cfg.get('auto_generate', True):
        return None
    root = dataset_cfg.get('data_root') or ''
    img_dir = osp.join(root, (dataset_cfg.get('data_prefix')
                              or {}).get('img_path', ''))
    for path in (root, img_dir):
        if path and not osp.isdir(path):
            return f'data_root missing: {path}'
    return None


def measure_data(cfg: Config, settings: Dict[str, Any]) -> Dict[str, Any]:
    """Images/s of ``dataset[i]`` in one process, like one dataloader
    worker (one torch thread, OpenCV threading off)."""
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    dataset_cfg = cfg.train_dataloader.dataset
    reason = data_unavailable(dataset_cfg)
    if reason:
        return dict(error=reason)
    dataset = DATASETS.build(dataset_cfg)
    if len(dataset) == 0:
        return dict(error='the train dataset is empty')
    torch.set_num_threads(1)
    cv2.setNumThreads(0)
    seed = settings['seed']
    random.seed(seed)
    np.random.seed(seed)
    num = settings['data_samples']
    order = np.random.default_rng(seed).integers(0, len(dataset),
                                                 settings['warmup'] + num)
    for index in order[:settings['warmup']]:
        dataset[int(index)]
    seconds = []
    for index in order[settings['warmup']:]:
        start = time.perf_counter()
        dataset[int(index)]
        seconds.append(time.perf_counter() - start)
    pipeline = [type(t).__name__ for t in dataset.pipeline.transforms]
    return dict(
        per_image=summarize_times(seconds),
        images_per_s=num / sum(seconds),
        samples=num,
        dataset=type(dataset).__name__,
        dataset_size=len(dataset),
        pipeline=pipeline)
