# Copyright (c) mmseg_ext contributors. All rights reserved.
"""GenerateSegBoundary against a brute-force definition of boundaries."""
import numpy as np
import pytest
from mmseg.datasets.transforms import PackSegInputs
from mmseg.registry import TRANSFORMS

from mmseg_ext.datasets.transforms import GenerateSegBoundary
from mmseg_ext.datasets.transforms.generate_seg_boundary import \
    seg_boundary_map


def brute_force_boundary(seg: np.ndarray, radius: int,
                         ignore_index: int) -> np.ndarray:
    """The definition, pixel by pixel: a labelled pixel with a pixel of
    another labelled class within Euclidean distance ``radius``."""
    height, width = seg.shape
    offsets = [(dy, dx) for dy in range(-radius, radius + 1)
               for dx in range(-radius, radius + 1)
               if dy * dy + dx * dx <= radius * radius]
    out = np.zeros((height, width), np.uint8)
    for y in range(height):
        for x in range(width):
            label = seg[y, x]
            if label == ignore_index:
                out[y, x] = ignore_index
                continue
            for dy, dx in offsets:
                yy, xx = y + dy, x + dx
                if 0 <= yy < height and 0 <= xx < width:
                    other = seg[yy, xx]
                    if other != ignore_index and other != label:
                        out[y, x] = 1
                        break
    return out


def random_map(rng: np.random.Generator,
               shape,
               num_classes: int,
               ignore_ratio: float,
               ignore_index: int = 255) -> np.ndarray:
    """Blocky random labels (regions of a few pixels) with ignore pixels."""
    coarse = rng.integers(0, num_classes,
                          (shape[0] // 3 + 1, shape[1] // 3 + 1))
    seg = np.kron(coarse, np.ones((3, 3), np.int64))[:shape[0], :shape[1]]
    seg[rng.random(shape) < ignore_ratio] = ignore_index
    return seg.astype(np.uint8)


@pytest.mark.parametrize('radius', [1, 2, 3])
@pytest.mark.parametrize('shape', [(13, 17), (1, 9), (20, 6)])
def test_matches_brute_force(radius, shape):
    rng = np.random.default_rng(radius * 100 + shape[0])
    for ignore_ratio in (0.0, 0.2):
        seg = random_map(rng, shape, num_classes=4, ignore_ratio=ignore_ratio)
        expected = brute_force_boundary(seg, radius, 255)
        got = seg_boundary_map(seg, radius, 255)
        assert got.dtype == np.uint8 and got.shape == seg.shape
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize('dtype', [np.uint16, np.int32, np.int64])
def test_other_integer_dtypes_and_ignore_index(dtype):
    rng = np.random.default_rng(7)
    seg = random_map(
        rng, (15, 11), num_classes=5, ignore_ratio=0.15, ignore_index=4)
    expected = brute_force_boundary(seg, 2, ignore_index=4)
    got = seg_boundary_map(seg.astype(dtype), 2, ignore_index=4)
    np.testing.assert_array_equal(got, expected)
    assert set(np.unique(got)) <= {0, 1, 4}


def test_class_zero_has_boundaries_and_band_width():
    seg = np.zeros((6, 12), np.uint8)
    seg[:, 6:] = 1  # class 0 left, class 1 right
    for radius in (1, 2, 3):
        edge = seg_boundary_map(seg, radius)
        row = edge[3]
        # radius pixels on each side, class 0's side included
        expected = np.zeros(12, np.uint8)
        expected[6 - radius:6 + radius] = 1
        np.testing.assert_array_equal(row, expected)
        assert (edge == edge[:1]).all()  # no image-border effects


def test_ignore_and_image_borders_create_no_boundary():
    seg = np.zeros((9, 9), np.uint8)
    seg[3:6, 3:6] = 255
    edge = seg_boundary_map(seg, 2)
    assert (edge[seg == 255] == 255).all()
    assert (edge[seg == 0] == 0).all()
    single = np.full((5, 7), 3, np.uint8)
    assert not seg_boundary_map(single, 2).any()


def test_transform_pipeline_and_packing():
    transform = TRANSFORMS.build(dict(type='GenerateSegBoundary', radius=1))
    assert isinstance(transform, GenerateSegBoundary)
    assert repr(transform) == ('GenerateSegBoundary(radius=1, '
                               'ignore_index=255)')
    seg = np.array([[0, 0, 1], [0, 255, 1]], np.uint8)
    results = transform(
        dict(
            img=np.zeros((2, 3, 3), np.uint8),
            gt_seg_map=seg,
            seg_fields=['gt_seg_map']))
    # (1, 0) and (1, 2) only reach their own class and the ignore pixel
    np.testing.assert_array_equal(results['gt_edge_map'],
                                  [[0, 1, 1], [0, 255, 0]])
    assert results['seg_fields'] == ['gt_seg_map', 'gt_edge_map']
    packed = PackSegInputs(meta_keys=())(results)
    edge = packed['data_samples'].gt_edge_map.data
    assert tuple(edge.shape) == (1, 2, 3)
    assert edge.tolist() == [[[0, 1, 1], [0, 255, 0]]]


def test_bad_arguments():
    for radius in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match='radius'):
            GenerateSegBoundary(radius=radius)
    with pytest.raises(ValueError, match='ignore_index'):
        GenerateSegBoundary(ignore_index=-1)
    transform = GenerateSegBoundary()
    with pytest.raises(KeyError, match='gt_seg_map'):
        transform(dict(img=np.zeros((2, 2, 3), np.uint8)))
    with pytest.raises(ValueError, match=r'\(H, W\)'):
        transform(dict(gt_seg_map=np.zeros((2, 2, 1), np.uint8)))
    with pytest.raises(ValueError, match='65535'):
        seg_boundary_map(np.array([[-1, 0]], np.int64))
    with pytest.raises(TypeError, match='integer'):
        seg_boundary_map(np.zeros((2, 2), np.float32))
