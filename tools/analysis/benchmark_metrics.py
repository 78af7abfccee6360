# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Per-image cost of BoundaryFScore and BoundaryIoU next to IoUMetric.

Builds Cityscapes-sized (default 1024x2048, 19 classes) ground-truth maps
and imperfect predictions of them, then times each metric's ``process`` on
one image at a time. Costs are reported as ratios to mmseg's ``IoUMetric``
measured in the same run, since absolute times depend on the machine.

Map kinds:

* ``scene``: the package's procedural street scenes (road, buildings,
  cars, poles, void rails); the prediction is the ground truth seen at
  1/8 resolution (as from an output-stride-8 model) with a few wrong
  rectangles.
* ``blocky``: a random 16x32 grid of classes (a worst case: every class
  borders every other everywhere); the prediction is shifted by (3, 5)
  pixels with a few wrong cells.

Example::

    python tools/analysis/benchmark_metrics.py --maps scene --num-images 4
"""
import argparse
import time
from typing import Dict, List, Tuple

import cv2
import numpy as np
import torch
from mmseg.evaluation import IoUMetric

import mmseg_ext  # noqa: F401  (registration and stack fixes)
from mmseg_ext.datasets.demo_scene import render_scene
from mmseg_ext.evaluation import BoundaryFScore, BoundaryIoU

NUM_CLASSES = 19
IGNORE = 255


def _add_errors(pred: np.ndarray, rng: np.random.Generator) -> None:
    """Paint a few rectangles of random classes into ``pred`` in place."""
    h, w = pred.shape
    for _ in range(6):
        y, x = rng.integers(0, h), rng.integers(0, w)
        dy, dx = rng.integers(h // 40, h // 8), rng.integers(w // 40, w // 8)
        pred[y:y + dy, x:x + dx] = rng.integers(0, NUM_CLASSES)


def make_maps(kind: str, size: Tuple[int, int],
              rng: np.random.Generator) -> Tuple[np.ndarray, np.ndarray]:
    """One (prediction, ground truth) pair of (H, W) int64 maps."""
    h, w = size
    if kind == 'scene':
        gt = render_scene(rng, size)['label'].astype(np.int64)
        filled = np.where(gt == IGNORE, 0, gt).astype(np.uint8)
        coarse = cv2.resize(
            filled, (w // 8, h // 8), interpolation=cv2.INTER_NEAREST)
        pred = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_NEAREST)
    else:
        cells = rng.integers(0, NUM_CLASSES, (16, 32)).astype(np.uint8)
        gt = cv2.resize(cells, (w, h), interpolation=cv2.INTER_NEAREST)
        shift = np.float32([[1, 0, 5], [0, 1, 3]])
        pred = cv2.warpAffine(
            gt,
            shift, (w, h),
            flags=cv2.INTER_NEAREST,
            borderMode=cv2.BORDER_REPLICATE)
        gt = gt.astype(np.int64)
    pred = pred.astype(np.int64)
    _add_errors(pred, rng)
    return pred, gt


def as_sample(pred: np.ndarray, gt: np.ndarray) -> dict:
    """A data sample as mmengine's Evaluator hands it to metrics."""
    return dict(
        pred_sem_seg=dict(data=torch.from_numpy(pred)[None]),
        gt_sem_seg=dict(data=torch.from_numpy(gt)[None]))


def time_metric(metric, samples: List[dict], repeat: int) -> float:
    """Median seconds of ``process`` on one image."""
    times = []
    for _ in range(repeat):
        metric.results.clear()
        for data_sample in samples:
            start = time.perf_counter()
            metric.process({}, [data_sample])
            times.append(time.perf_counter() - start)
    return float(np.median(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--size', type=int, nargs=2, default=(1024, 2048), metavar=('H', 'W'))
    parser.add_argument('--maps', choices=['scene', 'blocky'], default='scene')
    parser.add_argument('--num-images', type=int, default=4)
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument(
        '--threads',
        type=int,
        default=1,
        help='torch and OpenCV threads (default 1)')
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    cv2.setNumThreads(args.threads)

    rng = np.random.default_rng(args.seed)
    samples = [
        as_sample(*make_maps(args.maps, tuple(args.size), rng))
        for _ in range(args.num_images)
    ]
    # mmseg.utils imports mmcv.ops: only after mmseg_ext (its stand-in on
    # mmcv-lite), which isort would place after this module's mmseg imports.
    from mmseg.utils import get_classes
    meta = dict(classes=get_classes('cityscapes'))
    metrics = {
        'IoUMetric': IoUMetric(iou_metrics=['mIoU']),
        'BoundaryFScore': BoundaryFScore(),
        'BoundaryIoU': BoundaryIoU(),
    }
    seconds: Dict[str, float] = {}
    values: Dict[str, float] = {}
    for name, metric in metrics.items():
        metric.dataset_meta = meta
        seconds[name] = time_metric(metric, samples, args.repeat)
        values.update(metric.compute_metrics(metric.results[-len(samples):]))
    h, w = args.size
    print(f'\nper-image cost at {h}x{w}, {NUM_CLASSES} classes, '
          f'{args.maps} maps, {args.num_images} images x {args.repeat} '
          f'repeats, {args.threads} thread(s); median of process():')
    print(f'{"metric":<16}{"ms/image":>10}{"x IoUMetric":>13}')
    for name, sec in seconds.items():
        ratio = sec / seconds['IoUMetric']
        print(f'{name:<16}{sec * 1000:>10.1f}{ratio:>13.1f}')
    shown = ', '.join(f'{k} {v:.1f}' for k, v in values.items()
                      if k in ('mIoU', 'BIoU') or k.startswith('BF@'))
    print(f'scores of these maps: {shown}')


if __name__ == '__main__':
    main()
