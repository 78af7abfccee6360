# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Bad data gives a message that names the problem."""
import os

import cv2
import numpy as np
import pytest
from mmseg.registry import DATASETS, TRANSFORMS


def _cityscapes(root, **kw):
    return DATASETS.build(
        dict(
            type='CheckedCityscapesDataset',
            data_root=str(root),
            data_prefix=dict(
                img_path='leftImg8bit/train', seg_map_path='gtFine/train'),
            pipeline=kw.pop('pipeline', []),
            **kw))


def test_missing_data_root(tmp_path):
    with pytest.raises(FileNotFoundError) as err:
        _cityscapes(tmp_path / 'nowhere')
    msg = str(err.value)
    assert 'nowhere' in msg and 'image folder' in msg


def test_empty_split(tmp_path):
    for sub in ('leftImg8bit/train', 'gtFine/train'):
        os.makedirs(tmp_path / sub)
    with pytest.raises(ValueError, match='no samples found'):
        _cityscapes(tmp_path)


def _write_pair(root, img_hw, lab_hw, lab_value=1):
    img_dir = root / 'leftImg8bit' / 'train' / 'x'
    lab_dir = root / 'gtFine' / 'train' / 'x'
    img_dir.mkdir(parents=True)
    lab_dir.mkdir(parents=True)
    cv2.imwrite(
        str(img_dir / 'x_000000_000019_leftImg8bit.png'),
        np.zeros((*img_hw, 3), np.uint8))
    cv2.imwrite(
        str(lab_dir / 'x_000000_000019_gtFine_labelTrainIds.png'),
        np.full(lab_hw, lab_value, np.uint8))


PIPELINE = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadCheckedAnnotations'),
    dict(type='CheckSegMap', num_classes=19),
    dict(type='PackSegInputs')
]


def test_label_map_size_differs_from_image(tmp_path):
    _write_pair(tmp_path, (32, 64), (30, 64))
    ds = _cityscapes(tmp_path, pipeline=PIPELINE)
    with pytest.raises(ValueError) as err:
        ds[0]
    msg = str(err.value)
    assert '30x64' in msg and '32x64' in msg
    assert 'x_000000_000019_gtFine_labelTrainIds.png' in msg


def test_label_ids_out_of_range_are_named(tmp_path):
    _write_pair(tmp_path, (8, 8), (8, 8), lab_value=33)
    ds = _cityscapes(tmp_path, pipeline=PIPELINE)
    with pytest.raises(ValueError, match=r'ids \[33\]'):
        ds[0]


def test_out_of_range_ids_can_be_ignored():
    t = TRANSFORMS.build(
        dict(type='CheckSegMap', num_classes=3, invalid_ids='ignore'))
    seg = np.array([[0, 1, 7], [255, 2, 9]], np.uint8)
    out = t(dict(img=np.zeros((2, 3, 3), np.uint8), gt_seg_map=seg))
    assert out['gt_seg_map'].tolist() == [[0, 1, 255], [255, 2, 255]]
    with pytest.raises(ValueError, match='invalid_ids'):
        TRANSFORMS.build(dict(type='CheckSegMap', invalid_ids='drop'))


def test_missing_label_map_is_named(tmp_path):
    _write_pair(tmp_path, (8, 8), (8, 8))
    os.remove(tmp_path / 'gtFine' / 'train' / 'x' /
              'x_000000_000019_gtFine_labelTrainIds.png')
    with pytest.raises(FileNotFoundError, match='label map'):
        _cityscapes(tmp_path)


def _corrupt(path):
    with open(path, 'r+b') as f:
        f.truncate(20)


def test_unreadable_image_is_named(tmp_path):
    _write_pair(tmp_path, (8, 8), (8, 8))
    img = (
        tmp_path / 'leftImg8bit' / 'train' / 'x' /
        'x_000000_000019_leftImg8bit.png')
    _corrupt(img)
    ds = _cityscapes(tmp_path, pipeline=PIPELINE)
    with pytest.raises(Exception, match='x_000000_000019_leftImg8bit.png'):
        ds[0]


def test_unreadable_label_map_is_named(tmp_path):
    from mmseg_ext.datasets.transforms import UnreadableLabelMapError
    _write_pair(tmp_path, (8, 8), (8, 8))
    _corrupt(tmp_path / 'gtFine' / 'train' / 'x' /
             'x_000000_000019_gtFine_labelTrainIds.png')
    ds = _cityscapes(tmp_path, pipeline=PIPELINE)
    with pytest.raises(
            UnreadableLabelMapError,
            match='x_000000_000019_gtFine_labelTrainIds.png'):
        ds[0]
