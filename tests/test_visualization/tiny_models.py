# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Tiny configs and random-weight checkpoints for the edge-map tests.

The configs inherit the demo configs unchanged (ResNetV1c-18 at 32 base
channels: small widths) and only drop the test-time resize, so inference
runs at the (small, odd) size of the test image.
"""
import os.path as osp

import numpy as np
import torch

from ..tiny_runs import REPO_ROOT

GSCNN_DEMO = osp.join(
    REPO_ROOT, 'configs', 'demo',
    'gscnn_r18-c32-d16_1xb4-500it_demo-cityscapes-256x512.py')
FCN_DEMO = osp.join(REPO_ROOT, 'configs', 'demo',
                    'fcn_r18-c32-d16_1xb4-1k_demo-cityscapes-256x512.py')
IMAGE_SHAPE = (45, 61)  # odd, non-square


def write_config(path: str, base: str) -> str:
    """``base`` with a test pipeline that keeps the image size."""
    text = f"""
_base_ = [{base!r}]
test_pipeline = [dict(type='LoadImageFromFile'), dict(type='PackSegInputs')]
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
"""
    with open(path, 'w') as f:
        f.write(text)
    return path


def write_checkpoint(path: str, config: str) -> str:
    """Random weights of ``config``'s model, with Cityscapes' class names
    and palette in the meta data (as a trained checkpoint has)."""
    from mmseg.apis import init_model
    from mmseg.utils import get_classes, get_palette
    torch.manual_seed(0)
    model = init_model(config, None, device='cpu')
    meta = dict(
        dataset_meta=dict(
            classes=get_classes('cityscapes'),
            palette=get_palette('cityscapes')))
    torch.save(dict(state_dict=model.state_dict(), meta=meta), path)
    return path


def write_image(path: str, seed: int = 0) -> str:
    """A random (45, 61, 3) image."""
    import cv2
    image = np.random.default_rng(seed).integers(
        0, 255, IMAGE_SHAPE + (3, ), dtype=np.uint8)
    cv2.imwrite(path, image)
    return path


def tiny_model_files(tmp_dir: str, base: str) -> tuple:
    """(config, checkpoint, image) paths for ``base`` in ``tmp_dir``."""
    name = osp.splitext(osp.basename(base))[0].split('_')[0]
    config = write_config(osp.join(tmp_dir, f'{name}.py'), base)
    ckpt = write_checkpoint(osp.join(tmp_dir, f'{name}.pth'), config)
    image = write_image(osp.join(tmp_dir, 'street.png'))
    return config, ckpt, image
