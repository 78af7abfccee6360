# Copyright (c) mmseg_ext contributors. All rights reserved.
"""RemapLabels and the ADE20K-25 dataset (150 classes merged into 25)."""
import os.path as osp

import mmcv
import numpy as np
import pytest
from mmengine.config import Config
from mmseg.registry import DATASETS, TRANSFORMS

from mmseg_ext.datasets import ADE20K25Dataset
from mmseg_ext.datasets.ade20k_25 import ADE20K_25_SOURCE_IDS
from mmseg_ext.datasets.transforms import RemapLabels
from ..tiny_runs import REPO_ROOT

ADE25_CONFIG = osp.join(REPO_ROOT, 'configs', '_base_', 'datasets',
                        'ade20k_25.py')

#: Nikronic/ObjectNet data/mapped_25info.txt: merged ADE20K-150 id ->
#: kept ADE20K-150 id (0-based), as published.
PUBLISHED_PAIRS = {
    42: 0,
    25: 1,
    48: 1,
    84: 1,
    72: 4,
    10: 6,
    51: 6,
    53: 6,
    57: 7,
    44: 10,
    35: 10,
    29: 13,
    46: 13,
    58: 14,
    19: 15,
    30: 15,
    33: 15,
    45: 15,
    56: 15,
    64: 15,
    69: 15,
    70: 15,
    75: 15,
    99: 15,
    110: 15,
    34: 16,
    68: 16,
    8: 17,
    66: 17,
    101: 18,
    80: 20,
    83: 20,
    90: 20,
    102: 20,
    116: 20,
    127: 20,
    21: 26,
    60: 26,
    109: 26,
    128: 26,
    140: 26,
    82: 36,
    87: 36,
    100: 43,
    123: 43,
    142: 43,
    144: 43,
    59: 53,
    96: 53,
    121: 53,
    37: 65,
    78: 74,
    89: 74,
    141: 74,
    143: 74
}


def _results(seg, path='a.png'):
    return dict(gt_seg_map=np.array(seg, dtype=np.uint8), seg_map_path=path)


def test_dict_table_maps_ids_and_keeps_ignore():
    remap = TRANSFORMS.build(
        dict(
            type='RemapLabels',
            table={
                0: 1,
                1: 1,
                2: 0,
                3: 255
            },
            num_classes=2))
    out = remap(_results([[0, 1, 2], [3, 255, 2]]))['gt_seg_map']
    assert out.tolist() == [[1, 1, 0], [255, 255, 0]]
    assert out.dtype == np.uint8


def test_csv_table_equals_dict_table(tmp_path):
    path = tmp_path / 'table.csv'
    path.write_text('ade_id,new_id,name\n'
                    '# comment line\n'
                    '0,1,wall\n'
                    '\n'
                    '1,1,building\n'
                    '2,0,sky\n'
                    '3,255,floor\n')
    from_csv = RemapLabels(str(path), num_classes=2)
    from_dict = RemapLabels({0: 1, 1: 1, 2: 0, 3: 255}, num_classes=2)
    assert from_csv.table == from_dict.table
    seg = [[0, 1], [2, 3]]
    assert np.array_equal(
        from_csv(_results(seg))['gt_seg_map'],
        from_dict(_results(seg))['gt_seg_map'])
    assert 'table.csv' in repr(from_csv)


@pytest.mark.parametrize(
    'text, match',
    [('0,1\n1,x\n', r'table.csv:2: expected'),
     ('0,1\n0,0\n', r'table.csv:2: source id 0 is mapped twice')])
def test_malformed_csv_names_file_and_line(tmp_path, text, match):
    path = tmp_path / 'table.csv'
    path.write_text(text)
    with pytest.raises(ValueError, match=match):
        RemapLabels(str(path), num_classes=2)


def test_missing_csv_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.csv'):
        RemapLabels(str(tmp_path / 'nope.csv'), num_classes=2)


def test_unknown_ids_error_or_ignore():
    table = {0: 0, 1: 1}
    strict = RemapLabels(table, num_classes=2)
    with pytest.raises(ValueError, match=r'x\.png holds ids \[5, 7\]'):
        strict(_results([[0, 5], [7, 1]], path='x.png'))
    lenient = RemapLabels(table, num_classes=2, unknown='ignore')
    out = lenient(_results([[0, 5], [7, 1]]))['gt_seg_map']
    assert out.tolist() == [[0, 255], [255, 1]]
    # Negative ids in a signed map are unknown too.
    signed = dict(gt_seg_map=np.array([[-1, 1]], dtype=np.int32))
    assert lenient(signed)['gt_seg_map'].tolist() == [[255, 1]]


@pytest.mark.parametrize(
    'kwargs, error, match',
    [(dict(table={0: 2}), ValueError, r'maps to 2, outside \[0, 2\)'),
     (dict(table={-1: 0}), ValueError, 'source id -1 is outside'),
     (dict(table={150: 0}, num_source_classes=150), ValueError,
      r'source id 150 is outside \[0, 150\)'),
     (dict(table={255: 0}), ValueError, 'ignore index 255 must stay'),
     (dict(table={'3': 0}), TypeError, "source id '3' is not an integer"),
     (dict(table=[(0, 1)]), TypeError, 'must be a dict or a CSV path'),
     (dict(table={0: 0}, unknown='drop'), ValueError, "'error' or")])
def test_bad_tables_fail_at_construction(kwargs, error, match):
    kwargs.setdefault('num_classes', 2)
    with pytest.raises(error, match=match):
        RemapLabels(**kwargs)


def test_missing_label_map_is_named():
    with pytest.raises(KeyError, match='after LoadAnnotations'):
        RemapLabels({0: 0}, num_classes=1)(dict(img=np.zeros((2, 2, 3))))


def test_ade20k_25_table_reproduces_the_published_merge():
    table = Config.fromfile(ADE25_CONFIG).ade20k_150_to_25
    assert sorted(table) == list(range(150))
    kept = {
        ade_id: new_id
        for new_id, ade_id in enumerate(ADE20K_25_SOURCE_IDS)
    }
    # Every kept class maps onto its own new id, in order.
    assert all(table[ade_id] == new_id for ade_id, new_id in kept.items())
    merged = {
        src: dst
        for src, dst in table.items() if dst != 255 and src not in kept
    }
    # The published pairs, with the road row read as sidewalk / path /
    # runway (published: cabinet / grandstand / stairs, two of them kept
    # classes themselves).
    expected = {src: dst for src, dst in PUBLISHED_PAIRS.items() if dst != 6}
    expected.update({11: 6, 52: 6, 54: 6})
    assert merged == {src: kept[dst] for src, dst in expected.items()}
    assert len(merged) == 55
    assert sum(dst == 255 for dst in table.values()) == 70


def test_ade20k_25_metainfo():
    meta = ADE20K25Dataset.METAINFO
    assert len(meta['classes']) == 25 and len(meta['palette']) == 25
    assert meta['classes'][:3] == ('wall', 'building', 'sky')
    assert meta['classes'][7] == 'bed'
    assert meta['classes'][-1] == 'computer'
    assert len({tuple(c) for c in meta['palette']}) == 25


def test_ade20k_25_dataset_from_config_remaps_labels(tmp_path):
    cfg = Config.fromfile(ADE25_CONFIG)
    root = tmp_path / 'ade'
    img_dir = root / 'images' / 'validation'
    ann_dir = root / 'annotations' / 'validation'
    # Raw ADE20K annotation ids: 0 = other, k = class k - 1.
    raw = np.array([[0, 1, 43, 12], [13, 55, 9, 151]], dtype=np.uint8)
    mmcv.imwrite(np.zeros((2, 4, 3), np.uint8), str(img_dir / 'a.jpg'))
    mmcv.imwrite(raw[:, :3], str(ann_dir / 'a.png'))
    mmcv.imwrite(np.zeros((2, 3, 3), np.uint8), str(img_dir / 'b.jpg'))
    mmcv.imwrite(raw[:, :3], str(ann_dir / 'b.png'))
    dataset_cfg = cfg.val_dataloader.dataset
    dataset_cfg.data_root = str(root)
    dataset = DATASETS.build(dataset_cfg)
    assert isinstance(dataset, ADE20K25Dataset) and len(dataset) == 2
    seg = dataset[0]['data_samples'].gt_sem_seg.data[0].numpy()
    # other -> 255, wall -> wall (0), column (ADE 43) -> wall, sidewalk
    # (ADE 12) -> road (6), person (13) -> person (9), runway (55) -> road,
    # windowpane (9) -> plant (14).
    assert seg.tolist() == [[255, 0, 0], [9, 6, 14]]
    # An id beyond ADE20K's 150 classes is an error, naming the file.
    mmcv.imwrite(raw[:, 1:], str(ann_dir / 'b.png'))
    with pytest.raises(ValueError, match=r'b\.png holds ids \[150\]'):
        dataset[1]
