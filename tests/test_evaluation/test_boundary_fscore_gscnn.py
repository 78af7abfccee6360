# Copyright (c) mmseg_ext contributors. All rights reserved.
"""BoundaryFScore(protocol='gscnn'): Gated-SCNN's boundary evaluation.

A literal pixel-loop reference of the protocol (DAVIS boundary maps of each
class mask, disk matching, per-image F), hand-worked cases pinning each rule
(absent class F = 1, ignore pixels as background, the radius rule, the mean
over images then classes) and the contrast with the pooled protocol. The
agreement with the official code on real CamVid maps is checked by
tools/model_converters/check_bf_protocol.py (docs/metrics.md).
"""
import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator

from mmseg_ext.evaluation import BoundaryFScore
from mmseg_ext.evaluation.metrics.gscnn_boundary import (class_boundary_points,
                                                         gscnn_image_fscores)

IGNORE = 255


def sample(pred: np.ndarray, gt: np.ndarray) -> dict:
    return dict(
        pred_sem_seg=dict(data=torch.as_tensor(pred, dtype=torch.int64)[None]),
        gt_sem_seg=dict(data=torch.as_tensor(gt, dtype=torch.int64)[None]))


def evaluate(metric: BoundaryFScore, pairs, num_classes: int) -> dict:
    metric.dataset_meta = dict(classes=[f'c{i}' for i in range(num_classes)])
    for pred, gt in pairs:
        metric.process({}, [sample(pred, gt)])
    return metric.evaluate(len(pairs))


def gscnn(tolerances=(1, ), unit='pixel') -> BoundaryFScore:
    return BoundaryFScore(
        tolerances=tolerances, tolerance_unit=unit, protocol='gscnn')


def stripe(h: int, w: int, x0: int, x1: int, shift: int = 0) -> np.ndarray:
    """Class 1 in columns [x0 + shift, x1 + shift], class 0 elsewhere."""
    label = np.zeros((h, w), dtype=np.int64)
    label[:, x0 + shift:x1 + shift + 1] = 1
    return label


# --------------------------------------------------------------------------
# Literal reference: loops over pixels.


def brute_bmap(mask: np.ndarray) -> set:
    """Pixels whose mask value differs from an existing forward neighbour
    (right, below, below-right)."""
    h, w = mask.shape
    points = set()
    for y in range(h):
        for x in range(w):
            for dy, dx in ((0, 1), (1, 0), (1, 1)):
                if y + dy < h and x + dx < w and \
                        mask[y, x] != mask[y + dy, x + dx]:
                    points.add((y, x))
    return points


def brute_fscores(pred, gt, num_classes, radii) -> np.ndarray:
    ignore = gt == IGNORE
    out = np.zeros((len(radii), num_classes))
    for c in range(num_classes):
        fg = brute_bmap((pred == c) & ~ignore)
        gb = brute_bmap((gt == c) & ~ignore)
        for i, r in enumerate(radii):

            def matched(a, b):
                return sum(
                    any((y - v)**2 + (x - u)**2 <= r * r for v, u in b)
                    for y, x in a)

            if not fg and not gb:
                f = 1.0
            elif not fg or not gb:
                f = 0.0
            else:
                p, q = matched(fg, gb) / len(fg), matched(gb, fg) / len(gb)
                f = 2 * p * q / (p + q) if p + q else 0.0
            out[i, c] = f
    return out


def random_maps(rng: np.random.Generator, num_classes: int):
    h, w = rng.integers(4, 13, size=2)
    cells = rng.integers(0, num_classes, size=(3, 3))
    rows, cols = np.arange(h) * 3 // h, np.arange(w) * 3 // w
    gt = cells[rows][:, cols]
    pred = np.roll(gt, rng.integers(-2, 3), axis=1)
    flip = rng.random((h, w)) < 0.15
    pred[flip] = rng.integers(0, num_classes, size=flip.sum())
    gt = np.where(rng.random((h, w)) < 0.15, IGNORE, gt)
    return pred, gt


@pytest.mark.parametrize('seed', range(10))
def test_per_image_fscores_match_literal_reference(seed):
    rng = np.random.default_rng(seed)
    num_classes, radii = 4, [0, 1, 2, 4]
    pred, gt = random_maps(rng, num_classes)
    valid = gt != IGNORE
    safe_gt = np.where(valid, gt, 0)
    np.testing.assert_allclose(
        gscnn_image_fscores(pred, safe_gt, valid, num_classes, radii),
        brute_fscores(pred, gt, num_classes, radii),
        rtol=0,
        atol=1e-12)
    # The boundary pixels themselves, ignore pixels in no mask (label C).
    labels = np.where(valid, pred, num_classes)
    points = class_boundary_points(labels, num_classes)
    for c in range(num_classes):
        assert set(map(tuple, points[c].tolist())) == brute_bmap(labels == c)


# --------------------------------------------------------------------------
# Hand-worked cases, one rule each.


def test_boundary_is_the_forward_neighbour_rule():
    # A 2x2 block of class 1 at rows 1-2, columns 1-2 of a 4x4 map: the
    # pixels before it (row 0, column 0) and its own last row and column
    # are boundary pixels; the image border is none.
    label = np.zeros((4, 4), np.int64)
    label[1:3, 1:3] = 1
    expected = {(0, 0), (0, 1), (0, 2), (1, 0), (2, 0), (1, 2), (2, 1), (2, 2)}
    points = class_boundary_points(label, 2)
    assert set(map(tuple, points[1].tolist())) == expected
    # A two-class map: both class masks have the same boundary.
    assert set(map(tuple, points[0].tolist())) == expected


def test_absent_class_scores_one():
    # Classes 2 and 3 appear in no map: F = 1 in every image, counted in
    # the class mean. Classes 0 and 1 are perfect as well.
    gt = stripe(6, 10, 3, 5)
    fs = evaluate(gscnn(), [(gt, gt)], 4)
    assert fs == {'gscnn/BF@1px': 100.0}
    # Class 1 predicted nowhere: its F is 0 and class 0's too (its mask
    # has no boundary in the prediction); classes 2, 3 still score 1.
    fs = evaluate(gscnn(), [(np.zeros_like(gt), gt)], 4)
    assert fs['gscnn/BF@1px'] == 50.0


def test_ignore_pixels_are_background_in_both_maps():
    # Ground truth: class 0 with an ignore block; prediction: class 1
    # everywhere. With ignore as background, the gt mask of class 0 has
    # a hole (boundary around the block) and the predicted mask of class
    # 1 is everything but the block: each class has boundaries in one map
    # only, F = 0. The pooled protocol sees no boundary at all (ignore
    # pixels create none) and scores 100.
    gt = np.zeros((8, 8), np.int64)
    gt[3:5, 3:5] = IGNORE
    pred = np.ones_like(gt)
    assert evaluate(gscnn(), [(pred, gt)], 2) == {'gscnn/BF@1px': 0.0}
    pooled = BoundaryFScore(tolerances=(1, ), tolerance_unit='pixel')
    assert evaluate(pooled, [(pred, gt)], 2)['BF@1px'] == 100.0
    # The prediction is cut at the ignore region as well: a class-1 block
    # that spills over a void region scores as if it stopped there.
    gt = stripe(6, 12, 4, 7)
    gt[:, 8:] = IGNORE
    pred = stripe(6, 12, 4, 11)
    assert evaluate(gscnn(), [(pred, gt)], 2) == {'gscnn/BF@1px': 100.0}


@pytest.mark.parametrize('shift', [1, 2, 3])
def test_radius_rule(shift):
    # Every boundary pixel is exactly `shift` columns from its match.
    gt = stripe(30, 40, 12, 25)
    pred = stripe(30, 40, 12, 25, shift)
    fs = evaluate(gscnn((shift - 1, shift)), [(pred, gt)], 2)
    assert fs == {f'gscnn/BF@{shift - 1}px': 0.0, f'gscnn/BF@{shift}px': 100.0}
    # Fractions: r = ceil(t x ||(30, 40)||) = ceil(50 t).
    fractions = ((shift - 1) / 50, shift / 50, (shift - 0.5) / 50)
    metric = gscnn(fractions, unit='diagonal')
    assert metric.radii((30, 40)) == [shift - 1, shift, shift]
    fs = evaluate(metric, [(pred, gt)], 2)
    assert list(fs.values()) == [0.0, 100.0, 100.0]


def test_mean_over_images_then_classes():
    # Image A (10 rows): perfect. Image B (30 rows): nothing predicted but
    # class 0, so classes 0 and 1 score F = 0 there. Class 2 is absent
    # (F = 1 in both images). GSCNN: classes 0 and 1 average 0.5 over the
    # images, class 2 1: (0.5 + 0.5 + 1) / 3. The pooled protocol weighs
    # pixels: P = 1, R = 20 / 80 = 0.25, F = 0.4 for classes 0 and 1, class
    # 2 skipped.
    a = stripe(10, 20, 5, 9)
    b = stripe(30, 20, 5, 9)
    pairs = [(a, a), (np.zeros_like(b), b)]
    fs = evaluate(gscnn(), pairs, 3)
    assert fs == {'gscnn/BF@1px': pytest.approx(100 * 2 / 3, abs=0.006)}
    pooled = BoundaryFScore(tolerances=(1, ), tolerance_unit='pixel')
    assert evaluate(pooled, pairs, 3)['BF@1px'] == 40.0


def test_process_keeps_per_image_scores_not_masks():
    metric = gscnn((1, 2, 3))
    metric.dataset_meta = dict(classes=['a', 'b'])
    pred, gt = stripe(64, 96, 30, 60), stripe(64, 96, 31, 60)
    metric.process({}, [sample(pred, gt)])
    fscores, radii = metric.results[0]
    assert fscores.shape == (3, 2) and fscores.dtype == np.float64
    assert radii.tolist() == [1, 2, 3]
    np.testing.assert_allclose(
        metric.gscnn_class_fscores(metric.results), fscores)


def test_both_protocols_in_one_evaluator():
    cfgs = [
        dict(type='BoundaryFScore', tolerances=(2, ), tolerance_unit='pixel'),
        dict(
            type='BoundaryFScore',
            tolerances=(2, ),
            tolerance_unit='pixel',
            protocol='gscnn'),
    ]
    evaluator = Evaluator(metrics=cfgs)
    evaluator.dataset_meta = dict(classes=['a', 'b', 'c'])
    rng = np.random.default_rng(0)
    for _ in range(2):
        pred, gt = random_maps(rng, 3)
        evaluator.process(data_samples=[sample(pred, gt)])
    metrics = evaluator.evaluate(2)
    assert set(metrics) == {'BF@2px', 'BP@2px', 'BR@2px', 'gscnn/BF@2px'}


def test_bad_arguments():
    with pytest.raises(ValueError, match='protocol must be one of'):
        BoundaryFScore(protocol='davis')
    with pytest.raises(ValueError, match="absent must be None with protocol"):
        BoundaryFScore(protocol='gscnn', absent='one')
    with pytest.raises(ValueError, match='integer pixel radii'):
        gscnn((1.5, ))
    with pytest.raises(ValueError, match='fractions below 1'):
        gscnn((0.001, 2), unit='diagonal')
    # The pooled protocol keeps its defaults and choices.
    assert BoundaryFScore().absent == 'skip'
    assert BoundaryFScore(absent='one').protocol == 'pooled'
