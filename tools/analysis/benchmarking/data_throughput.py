# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Images/s of a config's train pipeline, as one dataloader worker."""
import random
import time
from typing import Any, Dict

import cv2
import numpy as np
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS

from mmseg_ext.utils.benchmark import summarize_times


def measure_data(cfg: Config, settings: Dict[str, Any]) -> Dict[str, Any]:
    """Images/s of ``dataset[i]`` in one process, like one dataloader
    worker (one torch thread, OpenCV threading off). Missing data raises
    mmseg's ``FileNotFoundError``, which names the path."""
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
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
