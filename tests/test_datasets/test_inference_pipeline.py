# Copyright (c) mmseg_ext contributors. All rights reserved.
"""The demo configs' test pipelines also serve mmseg's inference API,
which feeds a bare image (it drops only ``LoadAnnotations``)."""
import cv2
import numpy as np
import pytest
from mmseg.apis import inference_model, init_model

from mmseg_ext.datasets.transforms import CheckSegMap, LoadCheckedAnnotations
from ..tiny_runs import DEMO_CONFIG


def test_label_transforms_pass_a_bare_image_unchanged():
    results = dict(img=np.zeros((4, 6, 3), np.uint8), img_path='a.png')
    assert LoadCheckedAnnotations()(dict(results)).keys() == results.keys()
    assert CheckSegMap(num_classes=19)(dict(results)).keys() == \
        results.keys()


def test_a_present_but_missing_label_map_still_fails(tmp_path):
    results = dict(
        img=np.zeros((4, 6, 3), np.uint8),
        seg_map_path=str(tmp_path / 'missing.png'),
        reduce_zero_label=False,
        seg_fields=[])
    with pytest.raises(OSError, match='missing.png'):
        LoadCheckedAnnotations()(results)


def test_inference_model_on_a_demo_config(tmp_path):
    image = np.random.default_rng(0).integers(
        0, 255, (64, 128, 3), dtype=np.uint8)
    path = str(tmp_path / 'street.png')
    cv2.imwrite(path, image)
    model = init_model(DEMO_CONFIG, None, device='cpu')
    sample = inference_model(model, path)
    pred = sample.pred_sem_seg.data
    assert tuple(pred.shape) == (1, 64, 128)
    assert int(pred.min()) >= 0 and int(pred.max()) < 19
