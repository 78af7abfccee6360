# Copyright (c) mmseg_ext contributors. All rights reserved.
"""tools/dataset_converters/camvid.py on tiny generated CamVid layouts (the
SegNet index layout and the 32-class colour layout, Kaggle- and
original-release-style): conversion, validation, idempotence, refusals."""
import csv
import filecmp
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest

from mmseg_ext.datasets import CamVidDataset
from ..tiny_runs import load_script

camvid = load_script('tools', 'dataset_converters', 'camvid.py')
H, W = 6, 8
COUNTS = {'train': 2, 'val': 1, 'test': 1}
SPLIT_COUNTS = [2, 1, 1]


def write_png(path: str, data: np.ndarray) -> None:
    os.makedirs(osp.dirname(path), exist_ok=True)
    assert cv2.imwrite(path, data)


def image(rng) -> np.ndarray:
    return rng.integers(0, 256, (H, W, 3), dtype=np.uint8)


def make_segnet(root: str, seed: int = 0) -> dict:
    """SegNet layout; returns the expected label map of every frame."""
    rng = np.random.default_rng(seed)
    expected = {}
    for split, n in COUNTS.items():
        for i in range(n):
            name = f'{split}{i:03d}'
            label = rng.integers(0, 12, (H, W), dtype=np.uint8)
            write_png(osp.join(root, split, f'{name}.png'), image(rng))
            write_png(osp.join(root, f'{split}annot', f'{name}.png'), label)
            expected[(split, name)] = np.where(label == 11, 255, label)
    return expected


# A few of the 32 classes, their colours and the 11-class label.
COLOUR_CASES = [('Sky', 0), ('Wall', 1),
                ('TrafficCone', 2), ('LaneMkgsDriv', 3), ('RoadShoulder', 4),
                ('VegetationMisc', 5), ('TrafficLight', 6), ('Fence', 7),
                ('Truck_Bus', 8), ('Child', 9), ('MotorcycleScooter', 10),
                ('Void', 255)]


def colour_label(rng) -> tuple:
    """A (H, W, 3) BGR colour label and its expected 11-class map."""
    index = rng.integers(0, len(COLOUR_CASES), (H, W))
    rgb = np.array([camvid.CLASS_COLOURS[n] for n, _ in COLOUR_CASES],
                   dtype=np.uint8)[index]
    labels = np.array([k for _, k in COLOUR_CASES], dtype=np.uint8)[index]
    return rgb[..., ::-1].copy(), labels


def make_kaggle(root: str, seed: int = 0) -> dict:
    """Kaggle layout: train/, train_labels/, ... and class_dict.csv."""
    rng = np.random.default_rng(seed)
    expected = {}
    for split, n in COUNTS.items():
        for i in range(n):
            name = f'{split}{i:03d}'
            bgr, labels = colour_label(rng)
            write_png(osp.join(root, split, f'{name}.png'), image(rng))
            write_png(osp.join(root, f'{split}_labels', f'{name}_L.png'), bgr)
            expected[(split, name)] = labels
    with open(osp.join(root, 'class_dict.csv'), 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['name', 'r', 'g', 'b'])
        for name, (r, g, b) in camvid.CLASS_COLOURS.items():
            writer.writerow([name, r, g, b])
    return expected


def make_original(root: str, lists: str, seed: int = 0) -> dict:
    """Original release: one image folder, one label folder,
    label_colors.txt; SegNet split lists in `lists`."""
    rng = np.random.default_rng(seed)
    expected = {}
    os.makedirs(lists, exist_ok=True)
    for split, n in COUNTS.items():
        lines = []
        for i in range(n):
            name = f'0001TP_{split}{i:03d}'
            bgr, labels = colour_label(rng)
            write_png(
                osp.join(root, '701_StillsRaw_full', f'{name}.png'),
                image(rng))
            write_png(
                osp.join(root, 'LabeledApproved_full', f'{name}_L.png'), bgr)
            lines.append(f'/SegNet/CamVid/{split}/{name}.png '
                         f'/SegNet/CamVid/{split}annot/{name}.png\n')
            expected[(split, name)] = labels
        with open(osp.join(lists, f'{split}.txt'), 'w') as f:
            f.writelines(lines)
    with open(osp.join(root, 'label_colors.txt'), 'w') as f:
        for name, (r, g, b) in camvid.CLASS_COLOURS.items():
            f.write(f'{r} {g} {b}\t{name}\n')
    return expected


def check_output(out: str, expected: dict) -> None:
    for (split, name), labels in expected.items():
        ann = cv2.imread(
            osp.join(out, 'ann_dir', split, f'{name}.png'),
            cv2.IMREAD_UNCHANGED)
        np.testing.assert_array_equal(ann, labels, err_msg=name)
        img = cv2.imread(osp.join(out, 'img_dir', split, f'{name}.png'))
        assert img.shape == (H, W, 3)
    with open(osp.join(out, camvid.MANIFEST)) as f:
        manifest = json.load(f)
    assert manifest['counts'] == COUNTS
    assert len(manifest['files']) == 2 * len(expected)


def tree(root: str) -> dict:
    found = {}
    for r, _, files in os.walk(root):
        for name in files:
            path = osp.join(r, name)
            with open(path, 'rb') as f:
                found[osp.relpath(path, root)] = f.read()
    return found


def test_grouping_table():
    # Every one of the 32 classes but Void is in exactly one group, the
    # groups are the dataset's classes, the colours are distinct.
    grouped = [n for names in camvid.GROUPING.values() for n in names]
    assert sorted(grouped + ['Void']) == sorted(camvid.CLASS_COLOURS)
    assert len(set(grouped)) == len(grouped) == 31
    assert tuple(camvid.GROUPING) == camvid.CLASSES
    assert camvid.CLASSES == CamVidDataset.METAINFO['classes']
    assert len(set(camvid.CLASS_COLOURS.values())) == 32


def test_segnet_layout_converts_and_is_idempotent(tmp_path):
    src, out = str(tmp_path / 'SegNet'), str(tmp_path / 'out')
    expected = make_segnet(src)
    manifest = camvid.convert(src, out, split_counts=SPLIT_COUNTS)
    assert manifest['layout'] == 'segnet'
    check_output(out, expected)
    # Images are copied unchanged.
    assert filecmp.cmp(
        osp.join(src, 'val', 'val000.png'),
        osp.join(out, 'img_dir', 'val', 'val000.png'),
        shallow=False)
    first = tree(out)
    assert camvid.main([src, out, '--split-counts',
                        *map(str, SPLIT_COUNTS)]) == 0
    assert tree(out) == first
    # No staging folder left behind.
    assert sorted(os.listdir(tmp_path)) == ['SegNet', 'out']


def test_kaggle_colour_layout(tmp_path):
    src, out = str(tmp_path / 'kaggle'), str(tmp_path / 'out')
    expected = make_kaggle(src)
    assert camvid.convert(src, out, split_counts=SPLIT_COUNTS)['layout'] \
        == 'colour'
    check_output(out, expected)


def test_original_colour_layout_with_split_lists(tmp_path):
    src, out = str(tmp_path / 'CamVid'), str(tmp_path / 'out')
    lists = str(tmp_path / 'lists')
    expected = make_original(src, lists)
    # The original release has no split folders: the lists are needed.
    with pytest.raises(camvid.ConversionError, match='pass --split-lists'):
        camvid.convert(src, out, split_counts=SPLIT_COUNTS)
    assert not osp.exists(out)
    camvid.convert(src, out, split_lists=lists, split_counts=SPLIT_COUNTS)
    check_output(out, expected)
    # --size resizes images (area) and labels (nearest).
    out2 = str(tmp_path / 'small')
    camvid.convert(
        src, out2, split_lists=lists, split_counts=SPLIT_COUNTS, size=(3, 4))
    ann = cv2.imread(
        osp.join(out2, 'ann_dir', 'train', '0001TP_train000.png'),
        cv2.IMREAD_UNCHANGED)
    np.testing.assert_array_equal(
        ann, expected[('train', '0001TP_train000')][::2, ::2])


def test_every_problem_is_named_and_nothing_written(tmp_path):
    src, out = str(tmp_path / 'SegNet'), str(tmp_path / 'out')
    make_segnet(src)
    os.remove(osp.join(src, 'trainannot', 'train001.png'))
    write_png(
        osp.join(src, 'valannot', 'stray.png'), np.zeros((H, W), np.uint8))
    write_png(
        osp.join(src, 'testannot', 'test000.png'), np.full((H, W), 12,
                                                           np.uint8))
    write_png(
        osp.join(src, 'val', 'val000.png'), np.zeros((H + 1, W, 3), np.uint8))
    with pytest.raises(camvid.ConversionError) as info:
        camvid.convert(src, out, split_counts=SPLIT_COUNTS)
    message = str(info.value)
    assert 'nothing written' in message
    for fragment in ('train001.png: no label map',
                     'stray.png: label map without image',
                     'test000.png: label values [12] outside 0-11',
                     'val000.png: size 8x6 differs from its image',
                     'train split: 1 frames, expected 2'):
        assert fragment in message, fragment
    assert sorted(os.listdir(tmp_path)) == ['SegNet']


def test_unknown_colour_and_bad_colour_table(tmp_path):
    src, out = str(tmp_path / 'kaggle'), str(tmp_path / 'out')
    make_kaggle(src)
    path = osp.join(src, 'test_labels', 'test000_L.png')
    bgr = cv2.imread(path)
    bgr[0, 0] = (3, 2, 1)  # RGB (1, 2, 3)
    write_png(path, bgr)
    with open(osp.join(src, 'class_dict.csv'), 'a') as f:
        f.write('Fence,1,1,1\n')
    with pytest.raises(camvid.ConversionError) as info:
        camvid.convert(src, out, split_counts=SPLIT_COUNTS)
    message = str(info.value)
    assert 'test000_L.png: colours [(1, 2, 3)] (RGB) are not in the ' \
        'CamVid colour table' in message
    assert "class 'Fence' (1, 1, 1)" in message
    assert not osp.exists(out)


def test_refuses_foreign_output_folder(tmp_path, capsys):
    src, out = str(tmp_path / 'SegNet'), str(tmp_path / 'out')
    make_segnet(src)
    os.makedirs(out)
    with open(osp.join(out, 'notes.txt'), 'w') as f:
        f.write('mine')
    args = [src, out, '--split-counts', *map(str, SPLIT_COUNTS)]
    assert camvid.main(args) == 1
    assert 'holds no camvid_manifest.json' in capsys.readouterr().err
    os.remove(osp.join(out, 'notes.txt'))
    assert camvid.main(args) == 0
    # A file the tool did not write, added to its output, is refused too.
    extra = osp.join(out, 'ann_dir', 'train', 'extra.png')
    write_png(extra, np.zeros((H, W), np.uint8))
    before = tree(out)
    assert camvid.main(args) == 1
    assert "did not write, e.g. ['ann_dir/train/extra.png']" in \
        capsys.readouterr().err
    assert tree(out) == before
