# Copyright (c) mmseg_ext contributors. All rights reserved.
"""BoundaryFScore and BoundaryIoU: brute-force references, analytic cases,
degenerate maps and use beside IoUMetric in an mmengine Evaluator."""
import math
import warnings
from typing import List, Sequence

import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator
from mmengine.structures import PixelData
from mmseg.registry import METRICS
from mmseg.structures import SegDataSample

from mmseg_ext.evaluation import BoundaryFScore, BoundaryIoU
from mmseg_ext.evaluation.metrics.boundary_iou import boundary_iou_counts
from mmseg_ext.evaluation.metrics.pooled_boundary import boundary_match_counts

IGNORE = 255
NEIGHBOURS = ((0, 1), (1, 0), (0, -1), (-1, 0))


def sample(pred: np.ndarray, gt: np.ndarray) -> dict:
    """A data sample as the Evaluator hands it to metrics."""
    return dict(
        pred_sem_seg=dict(data=torch.as_tensor(pred, dtype=torch.int64)[None]),
        gt_sem_seg=dict(data=torch.as_tensor(gt, dtype=torch.int64)[None]))


def evaluate(metric, pairs, num_classes: int) -> dict:
    metric.dataset_meta = dict(classes=[f'c{i}' for i in range(num_classes)])
    for pred, gt in pairs:
        metric.process({}, [sample(pred, gt)])
    return metric.evaluate(len(pairs))


def random_maps(rng: np.random.Generator, num_classes: int):
    """Blocky random GT with ignore pixels and a perturbed prediction."""
    h, w = rng.integers(5, 14, size=2)
    cells = rng.integers(0, num_classes, size=(3, 4))
    ys = np.minimum(np.arange(h) * 3 // h, 2)
    xs = np.minimum(np.arange(w) * 4 // w, 3)
    gt = cells[ys][:, xs]
    pred = gt.copy()
    flip = rng.random((h, w)) < 0.2
    pred[flip] = rng.integers(0, num_classes, size=flip.sum())
    pred = np.roll(pred, rng.integers(-1, 2), axis=1)
    gt[rng.random((h, w)) < 0.1] = IGNORE
    return pred, gt


# --------------------------------------------------------------------------
# Brute-force references: plain loops over pixels.


def brute_boundaries(label, valid) -> List[tuple]:
    h, w = label.shape
    points = []
    for y in range(h):
        for x in range(w):
            if not valid[y, x]:
                continue
            for dy, dx in NEIGHBOURS:
                yy, xx = y + dy, x + dx
                if (0 <= yy < h and 0 <= xx < w and valid[yy, xx]
                        and label[yy, xx] != label[y, x]):
                    points.append((y, x, int(label[y, x])))
                    break
    return points


def brute_fscore_counts(pred, gt, num_classes, radii) -> np.ndarray:
    valid = gt != IGNORE
    pred_b = brute_boundaries(pred, valid)
    gt_b = brute_boundaries(gt, valid)
    counts = np.zeros((2 + 2 * len(radii), num_classes), dtype=np.int64)

    def matched(queries, refs):
        out = np.zeros((len(radii), num_classes), dtype=np.int64)
        for y, x, c in queries:
            d2 = [(y - yy)**2 + (x - xx)**2 for yy, xx, cc in refs if cc == c]
            for i, r in enumerate(radii):
                if d2 and min(d2) <= r * r:
                    out[i, c] += 1
        return out

    for _, _, c in pred_b:
        counts[0, c] += 1
    for _, _, c in gt_b:
        counts[1, c] += 1
    counts[2:2 + len(radii)] = matched(pred_b, gt_b)
    counts[2 + len(radii):] = matched(gt_b, pred_b)
    return counts


def brute_bands(label, valid, num_classes, width) -> np.ndarray:
    """Literal definition: mask minus its erosion by a 3x3 square, d times;
    ignore pixels and the outside of the image count as inside the mask."""
    h, w = label.shape
    bands = np.zeros((num_classes, h, w), dtype=bool)
    for c in range(num_classes):
        mask = (label == c) & valid
        eroded = mask | ~valid
        for _ in range(width):
            nxt = eroded.copy()
            for y in range(h):
                for x in range(w):
                    for dy in (-1, 0, 1):
                        for dx in (-1, 0, 1):
                            yy, xx = y + dy, x + dx
                            if 0 <= yy < h and 0 <= xx < w and \
                                    not eroded[yy, xx]:
                                nxt[y, x] = False
            eroded = nxt
        bands[c] = mask & ~eroded
    return bands


def brute_iou_counts(pred, gt, num_classes, width) -> np.ndarray:
    valid = gt != IGNORE
    gb = brute_bands(gt, valid, num_classes, width)
    pb = brute_bands(pred, valid, num_classes, width)
    return np.stack([(gb & pb).sum((1, 2)), gb.sum((1, 2)), pb.sum((1, 2))])


def brute_class_mean(num, den, defined, absent_classes, absent) -> float:
    kept = [n / d if d else 1.0 for n, d, k in zip(num, den, defined) if k]
    if absent == 'one':
        kept += [1.0] * int(sum(absent_classes))
    return 100 * sum(kept) / len(kept) if kept else 100.0


# --------------------------------------------------------------------------


@pytest.mark.parametrize('seed', range(8))
def test_counts_match_brute_force(seed):
    rng = np.random.default_rng(seed)
    num_classes, radii = 4, [0, 1, 1.5, 3]
    pred, gt = random_maps(rng, num_classes)
    valid = gt != IGNORE
    safe_gt = np.where(valid, gt, 0)
    np.testing.assert_array_equal(
        boundary_match_counts(pred, safe_gt, valid, num_classes, radii),
        brute_fscore_counts(pred, gt, num_classes, radii))
    for width in (1, 2):
        np.testing.assert_array_equal(
            boundary_iou_counts(pred, safe_gt, valid, num_classes, width),
            brute_iou_counts(pred, gt, num_classes, width))


@pytest.mark.parametrize('absent', ['skip', 'one'])
def test_metric_values_match_brute_force(absent):
    rng = np.random.default_rng(100)
    num_classes, radii = 5, (1, 2)
    pairs = [random_maps(rng, 4) for _ in range(3)]  # class 4 never occurs
    fs = evaluate(
        BoundaryFScore(
            tolerances=radii, tolerance_unit='pixel', absent=absent), pairs,
        num_classes)
    counts = sum(
        brute_fscore_counts(p, g, num_classes, radii) for p, g in pairs)
    present = counts[0] + counts[1] > 0
    assert not present[4]
    for i, r in enumerate(radii):
        prec = [m / t if t else 0.0 for m, t in zip(counts[2 + i], counts[0])]
        rec = [m / t if t else 0.0 for m, t in zip(counts[4 + i], counts[1])]
        f = [2 * p * q / (p + q) if p + q else 0.0 for p, q in zip(prec, rec)]
        ones = np.ones(num_classes)
        assert fs[f'BF@{r}px'] == pytest.approx(
            brute_class_mean(f, ones, present, ~present, absent), abs=0.006)
        assert fs[f'BP@{r}px'] == pytest.approx(
            brute_class_mean(prec, ones, counts[0] > 0, ~present, absent),
            abs=0.006)
        assert fs[f'BR@{r}px'] == pytest.approx(
            brute_class_mean(rec, ones, counts[1] > 0, ~present, absent),
            abs=0.006)

    biou = evaluate(
        BoundaryIoU(band_width=2, band_width_unit='pixel', absent=absent),
        pairs, num_classes)
    inter, g, p = sum(brute_iou_counts(p, g, num_classes, 2) for p, g in pairs)
    union = g + p - inter
    assert biou['BIoU'] == pytest.approx(
        brute_class_mean(inter, union, union > 0, union == 0, absent),
        abs=0.006)


def stripe(h: int, w: int, x0: int, x1: int, shift: int = 0) -> np.ndarray:
    """Class 1 in columns [x0 + shift, x1 + shift], class 0 elsewhere."""
    label = np.zeros((h, w), dtype=np.int64)
    label[:, x0 + shift:x1 + shift + 1] = 1
    return label


def test_identical_maps_score_100():
    rng = np.random.default_rng(3)
    pairs = []
    for _ in range(3):
        _, gt = random_maps(rng, 4)
        pairs.append((np.where(gt == IGNORE, 2, gt), gt))
    fs = evaluate(BoundaryFScore(), pairs, 4)
    assert set(fs.values()) == {100.0}
    assert evaluate(BoundaryIoU(), pairs, 4) == {'BIoU': 100.0}


@pytest.mark.parametrize('shift', [1, 2, 4])
def test_shifted_map_fscore(shift):
    gt = stripe(20, 60, 20, 39)
    pred = stripe(20, 60, 20, 39, shift)
    radii = (shift - 1, shift - 0.5, shift, shift + 2)
    fs = evaluate(
        BoundaryFScore(tolerances=radii, tolerance_unit='pixel'), [(pred, gt)],
        2)
    names = [f'{r:g}px' for r in radii]
    # Every boundary pixel is exactly `shift` away from its counterpart.
    assert [fs[f'BF@{n}'] for n in names] == [0.0, 0.0, 100.0, 100.0]
    # The same holds for the fraction-of-diagonal unit.
    diagonal = math.hypot(20, 60)
    fs = evaluate(
        BoundaryFScore(tolerances=(shift / diagonal, (shift - 1) / diagonal)),
        [(pred, gt)], 2)
    assert list(fs.values())[0::3] == [100.0, 0.0]


@pytest.mark.parametrize('shift,width', [(0, 3), (1, 3), (2, 5), (3, 3)])
def test_shifted_map_boundary_iou(shift, width):
    # Band columns per edge: d in each map, overlapping d - k: IoU
    # (d - k) / (d + k) for both classes.
    gt = stripe(12, 64, 20, 39)
    pred = stripe(12, 64, 20, 39, shift)
    biou = evaluate(
        BoundaryIoU(band_width=width, band_width_unit='pixel'), [(pred, gt)],
        2)
    expected = 100 * (width - shift) / (width + shift)
    assert biou['BIoU'] == pytest.approx(expected, abs=0.006)


def test_default_tolerances_at_cityscapes_size():
    metric = BoundaryFScore()
    assert metric.radii((1024, 2048)) == [3, 5, 9, 12]
    assert BoundaryIoU().width((1024, 2048)) == 46
    assert metric.tolerance_names[0] == '0.125%diag'


@pytest.mark.parametrize('absent', ['skip', 'one'])
def test_degenerate_maps_are_defined(absent):
    one_class = np.full((7, 9), 2)
    all_ignore = np.full((7, 9), IGNORE)
    striped = stripe(7, 9, 3, 5)
    cases = {
        'zero-size': (np.zeros((0, 5), int), np.zeros((0, 5), int)),
        'one class': (one_class, one_class),
        'all ignore': (one_class, all_ignore),
        'no predicted boundary': (one_class, striped),
        'no ground-truth boundary': (striped, one_class),
    }
    results = {}
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        for name, pair in cases.items():
            fs = evaluate(BoundaryFScore(absent=absent), [pair], 3)
            biou = evaluate(BoundaryIoU(absent=absent), [pair], 3)
            values = list(fs.values()) + list(biou.values())
            assert all(math.isfinite(v) for v in values), name
            results[name] = (fs['BF@0.5%diag'], biou['BIoU'])
    # Nothing to get wrong: 100. Missing or spurious boundaries: F = 0.
    for name in ('zero-size', 'one class', 'all ignore'):
        assert results[name] == (100.0, 100.0)
    for name in ('no predicted boundary', 'no ground-truth boundary'):
        expected = 0.0 if absent == 'skip' else 100 / 3
        assert results[name][0] == pytest.approx(expected, abs=0.006)
        assert results[name][1] == pytest.approx(expected, abs=0.006)


def test_undefined_precision_and_recall_are_left_out():
    # Prediction without boundaries: precision undefined for every class
    # (mean over nothing: 100), recall 0 for the two GT classes, F = 0.
    gt = stripe(10, 30, 10, 19)
    pred = np.full((10, 30), 2)
    tol = dict(tolerances=(1, ), tolerance_unit='pixel')
    fs = evaluate(BoundaryFScore(**tol), [(pred, gt)], 3)
    assert (fs['BF@1px'], fs['BP@1px'], fs['BR@1px']) == (0.0, 100.0, 0.0)
    # Class 2 predicted in columns 0-2 only: its boundary (column 2) and
    # the class-0 one facing it (column 3) are spurious. Class 0: P = 2/3,
    # R = 1, F = 0.8; class 1: F = 1; class 2 (prediction only): P = 0,
    # R undefined, F = 0.
    pred = stripe(10, 30, 10, 19)
    pred[:, :3] = 2
    fs = evaluate(BoundaryFScore(**tol), [(pred, gt)], 3)
    assert fs['BF@1px'] == 60.0
    assert fs['BP@1px'] == pytest.approx(100 * (2 / 3 + 1 + 0) / 3, abs=0.006)
    assert fs['BR@1px'] == 100.0


def test_absent_classes_skip_or_one():
    gt = stripe(10, 30, 10, 19)
    pred = stripe(10, 30, 10, 19, 2)
    tol = dict(tolerances=(1, ), tolerance_unit='pixel')
    skip = evaluate(BoundaryFScore(absent='skip', **tol), [(pred, gt)], 4)
    one = evaluate(BoundaryFScore(absent='one', **tol), [(pred, gt)], 4)
    assert skip['BF@1px'] == 0.0  # classes 0, 1 only
    assert one['BF@1px'] == 50.0  # classes 2, 3 absent: 100 each


def test_process_keeps_counts_not_masks():
    metric = BoundaryFScore()
    metric.dataset_meta = dict(classes=['a', 'b'])
    metric.process({},
                   [sample(stripe(64, 96, 30, 60), stripe(64, 96, 31, 60))])
    counts, radii = metric.results[0]
    assert counts.shape == (2 + 2 * 4, 2) and radii.shape == (4, )
    metric = BoundaryIoU()
    metric.dataset_meta = dict(classes=['a', 'b'])
    metric.process({},
                   [sample(stripe(64, 96, 30, 60), stripe(64, 96, 31, 60))])
    assert metric.results[0][0].shape == (3, 2)


@pytest.mark.parametrize('metric_cls', [BoundaryFScore, BoundaryIoU])
def test_bad_input_errors(metric_cls):
    metric = metric_cls()
    metric.dataset_meta = dict(classes=['a', 'b'])
    with pytest.raises(ValueError, match='outside \\[0, 2\\)'):
        metric.process({}, [sample(np.full((4, 5), 7), np.zeros((4, 5)))])
    with pytest.raises(ValueError, match='differ in size'):
        metric.process({}, [sample(np.zeros((4, 5)), np.zeros((5, 4)))])
    with pytest.raises(KeyError, match='gt_sem_seg'):
        metric.process({},
                       [dict(pred_sem_seg=dict(data=torch.zeros(1, 2, 2)))])
    with pytest.raises(ValueError, match='absent must be one of'):
        metric_cls(absent='zero')
    with pytest.raises(ValueError, match='unit must be one of'):
        if metric_cls is BoundaryFScore:
            metric_cls(tolerance_unit='px')
        else:
            metric_cls(band_width_unit='px')


def seg_sample(pred: np.ndarray, gt: np.ndarray) -> SegDataSample:
    data_sample = SegDataSample()
    data_sample.pred_sem_seg = PixelData(data=torch.as_tensor(pred)[None])
    data_sample.gt_sem_seg = PixelData(data=torch.as_tensor(gt)[None])
    return data_sample


def test_evaluator_with_iou_metric():
    cfgs: Sequence[dict] = [
        dict(type='IoUMetric', iou_metrics=['mIoU']),
        dict(type='BoundaryFScore'),
        dict(type='BoundaryIoU')
    ]
    assert all(METRICS.get(c['type']) is not None for c in cfgs)
    evaluator = Evaluator(metrics=[dict(c) for c in cfgs])
    evaluator.dataset_meta = dict(
        classes=['a', 'b', 'c'], palette=[[0, 0, 0]] * 3)
    rng = np.random.default_rng(7)
    for _ in range(2):
        pred, gt = random_maps(rng, 3)
        evaluator.process(data_samples=[seg_sample(pred, gt)])
    metrics = evaluator.evaluate(2)
    expected = {'aAcc', 'mIoU', 'mAcc', 'BIoU'} | {
        f'B{k}@{t}'
        for k in 'FPR'
        for t in ('0.125%diag', '0.1875%diag', '0.375%diag', '0.5%diag')
    }
    assert set(metrics) == expected
    assert all(0 <= v <= 100 for v in metrics.values())
