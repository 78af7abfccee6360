# Copyright (c) mmseg_ext contributors. All rights reserved.
"""The embedded demo data: deterministic, Cityscapes layout that mmseg's own
CityscapesDataset reads, and careful about where it writes."""
import hashlib
import os
import os.path as osp

import cv2
import numpy as np
import pytest

from mmseg_ext.demo import DemoDataError, generate_demo_cityscapes
from mmseg_ext.demo.cityscapes import MANIFEST, read_manifest

SMALL = dict(seed=5, num_train=6, num_val=3, size=(64, 128))


def _digest(root):
    h = hashlib.sha256()
    for f in sorted(read_manifest(root)['files']):
        h.update(f.encode())
        with open(osp.join(root, f), 'rb') as fh:
            h.update(fh.read())
    return h.hexdigest()


def test_byte_identical_for_a_seed_whatever_the_workers(tmp_path):
    a = generate_demo_cityscapes(str(tmp_path / 'a'), workers=1, **SMALL)
    b = generate_demo_cityscapes(str(tmp_path / 'b'), workers=2, **SMALL)
    assert _digest(a) == _digest(b)
    other = dict(SMALL, seed=6)
    c = generate_demo_cityscapes(str(tmp_path / 'c'), workers=1, **other)
    assert _digest(c) != _digest(a)


def test_layout_and_labels(tmp_path):
    root = generate_demo_cityscapes(str(tmp_path / 'd'), workers=1, **SMALL)
    imgs = sorted(
        osp.join(dp, f)
        for dp, _, fs in os.walk(osp.join(root, 'leftImg8bit', 'train'))
        for f in fs)
    assert len(imgs) == 6 and all(p.endswith('_leftImg8bit.png') for p in imgs)
    seg = imgs[0].replace('leftImg8bit/',
                          'gtFine/').replace('_leftImg8bit.png',
                                             '_gtFine_labelTrainIds.png')
    img = cv2.imread(imgs[0])
    lab = cv2.imread(seg, cv2.IMREAD_UNCHANGED)
    assert img.shape == (64, 128, 3) and lab.shape == (64, 128)
    ids = set(np.unique(lab).tolist())
    assert ids <= set(range(19)) | {255}
    assert len(ids - {255}) >= 4


def test_scenes_cover_classes_and_thin_structures():
    from mmseg_ext.demo.scene import POLE, render_scene
    seen = set()
    pole_widths = []
    for i in range(12):
        lab = render_scene(np.random.default_rng([0, 0, i]))['label']
        seen |= set(np.unique(lab).tolist())
        cols = (lab == POLE).sum(axis=1)
        pole_widths += cols[cols > 0].tolist()
    assert set(range(19)) - seen <= {16}, f'missing {set(range(19)) - seen}'
    assert pole_widths and np.median(pole_widths) <= 8


def test_read_by_stock_cityscapes_dataset(tmp_path):
    from mmseg.datasets import CityscapesDataset
    root = generate_demo_cityscapes(str(tmp_path / 'e'), workers=1, **SMALL)
    ds = CityscapesDataset(
        data_root=root,
        data_prefix=dict(
            img_path='leftImg8bit/val', seg_map_path='gtFine/val'),
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='LoadAnnotations'),
            dict(type='PackSegInputs')
        ])
    assert len(ds) == 3
    sample = ds[0]
    assert sample['inputs'].shape == (3, 64, 128)
    assert sample['data_samples'].gt_sem_seg.data.shape == (1, 64, 128)


def test_idempotent_and_refuses_foreign_folder(tmp_path):
    root = str(tmp_path / 'f')
    generate_demo_cityscapes(root, workers=1, **SMALL)
    stamp = os.stat(osp.join(root, MANIFEST)).st_mtime_ns
    generate_demo_cityscapes(root, workers=1, **SMALL)  # no-op
    assert os.stat(osp.join(root, MANIFEST)).st_mtime_ns == stamp

    foreign = tmp_path / 'mine'
    foreign.mkdir()
    (foreign / 'thesis.tex').write_text('precious')
    with pytest.raises(DemoDataError, match='thesis.tex'):
        generate_demo_cityscapes(str(foreign), workers=1, **SMALL)
    assert (foreign / 'thesis.tex').read_text() == 'precious'

    # A stray file inside our own output is foreign too: nothing deleted.
    (tmp_path / 'f' / 'notes.txt').write_text('x')
    with pytest.raises(DemoDataError, match='notes.txt'):
        generate_demo_cityscapes(root, workers=1, **dict(SMALL, seed=9))
    assert osp.isfile(osp.join(root, 'notes.txt'))


def test_regenerates_own_output_for_new_parameters(tmp_path):
    root = str(tmp_path / 'g')
    generate_demo_cityscapes(root, workers=1, **SMALL)
    generate_demo_cityscapes(root, workers=1, **dict(SMALL, num_train=2))
    assert read_manifest(root)['num_train'] == 2
    n = sum(len(fs) for _, _, fs in os.walk(osp.join(root, 'leftImg8bit')))
    assert n == 2 + 3


def test_demo_dataset_generates_on_first_use(tmp_path):
    from mmseg.registry import DATASETS
    root = str(tmp_path / 'h')
    ds = DATASETS.build(
        dict(
            type='DemoCityscapesDataset',
            data_root=root,
            demo_cfg=SMALL,
            data_prefix=dict(
                img_path='leftImg8bit/train', seg_map_path='gtFine/train'),
            pipeline=[]))
    assert len(ds) == 6
    assert read_manifest(root)['complete']
