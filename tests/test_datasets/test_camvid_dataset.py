# Copyright (c) mmseg_ext contributors. All rights reserved.
"""CamVidDataset on a tiny converted CamVid (generated, never real files)."""
import numpy as np
import pytest
from mmseg.registry import DATASETS

from mmseg_ext.datasets import CamVidDataset
from ..test_tools.test_camvid_converter import (SPLIT_COUNTS, camvid,
                                                make_segnet)


def test_metainfo():
    meta = CamVidDataset.METAINFO
    assert meta['classes'] == ('Sky', 'Building', 'Pole', 'Road', 'Pavement',
                               'Tree', 'SignSymbol', 'Fence', 'Car',
                               'Pedestrian', 'Bicyclist')
    assert len(meta['palette']) == 11
    assert meta['palette'][0] == [128, 128, 128]  # Sky
    assert meta['palette'][3] == [128, 64, 128]  # Road
    assert DATASETS.get('CamVidDataset') is CamVidDataset


def test_reads_converted_data(tmp_path):
    src, out = str(tmp_path / 'SegNet'), str(tmp_path / 'camvid')
    expected = make_segnet(src)
    camvid.convert(src, out, split_counts=SPLIT_COUNTS)
    dataset = CamVidDataset(
        data_root=out,
        data_prefix=dict(img_path='img_dir/val', seg_map_path='ann_dir/val'),
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='LoadCheckedAnnotations'),
            dict(type='CheckSegMap', num_classes=11),
        ])
    assert len(dataset) == 1 and not dataset.reduce_zero_label
    sample = dataset[0]
    np.testing.assert_array_equal(sample['gt_seg_map'],
                                  expected[('val', 'val000')])
    assert set(np.unique(sample['gt_seg_map'])) <= set(range(11)) | {255}


def test_missing_folder_names_the_converter(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        CamVidDataset(
            data_root=str(tmp_path / 'camvid'),
            data_prefix=dict(
                img_path='img_dir/train', seg_map_path='ann_dir/train'),
            pipeline=[])
    message = str(info.value)
    assert 'CamVidDataset: image folder' in message
    assert 'tools/dataset_converters/camvid.py SRC' in message
