# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Check ``BoundaryFScore(protocol='gscnn')`` against Gated-SCNN's own code.

Reads real ground-truth label maps (e.g. CamVid ``ann_dir/test`` written by
``tools/dataset_converters/camvid.py``), makes an imperfect prediction of
each (shifted map, an eroded class, relabelled rectangles, salt noise; fixed
seed), and scores the pairs with

* ``eval_mask_boundary`` from the official ``utils/f_boundary.py`` of
  nv-tlabs/GSCNN, imported from ``--official-root`` (a checkout the user
  fetched; its code is CC BY-NC-SA and is not part of this package),
  aggregated as its ``train.py`` does (sum of per-image F / image count per
  class, mean over classes);
* this package's ``BoundaryFScore`` with ``protocol='gscnn'`` and with the
  default ``protocol='pooled'``.

It prints one row per tolerance and exits with status 1 if a per-class or
mean F of the two GSCNN implementations differs by more than ``--atol``.
The official code needs ``scikit-image`` and ``tqdm`` (and numpy >= 2 or a
numpy old enough to have ``np.bool``), e.g. installed with
``pip install --target DIR scikit-image tqdm`` and ``PYTHONPATH=DIR``.

Example::

    python tools/model_converters/check_bf_protocol.py \\
        --official-root /path/to/GSCNN --ann-dir data/camvid/ann_dir/test \\
        --num-images 30 --tolerances 1 2 3 5
"""
import argparse
import glob
import importlib.util
import os.path as osp
import sys
import time
from types import ModuleType
from typing import List, Tuple

import cv2
import numpy as np
import torch

import mmseg_ext  # noqa: F401  (registration and stack fixes)
from mmseg_ext.evaluation import BoundaryFScore


def load_official(root: str) -> ModuleType:
    """Import ``<root>/utils/f_boundary.py`` as the module ``f_boundary``.

    The one file is loaded from the user's checkout by its path (not by
    putting the checkout on ``sys.path``): its folder is named ``utils``, and
    each call may name another checkout."""
    path = osp.join(root, 'utils', 'f_boundary.py')
    if not osp.isfile(path):
        raise SystemExit(f'--official-root: no {path}')
    spec = importlib.util.spec_from_file_location('f_boundary', path)
    module = importlib.util.module_from_spec(spec)
    # Registered so that its multiprocessing workers can unpickle it.
    sys.modules['f_boundary'] = module
    spec.loader.exec_module(module)
    return module


def perturb(gt: np.ndarray, num_classes: int,
            rng: np.random.Generator) -> np.ndarray:
    """An imperfect prediction of ``gt`` (labels in [0, C) everywhere)."""
    pred = np.where(gt >= num_classes, rng.integers(0, num_classes), gt)
    shift = (int(rng.integers(-3, 4)), int(rng.integers(-3, 4)))
    pred = np.roll(pred, shift, axis=(0, 1))
    # A random class loses a 2-pixel rim to another class.
    mask = (pred == rng.integers(0, num_classes)).astype(np.uint8)
    rim = (mask > 0) & (cv2.erode(mask, np.ones((5, 5), np.uint8)) == 0)
    pred[rim] = rng.integers(0, num_classes)
    h, w = pred.shape
    for _ in range(5):
        y, x = rng.integers(0, h), rng.integers(0, w)
        dy, dx = rng.integers(5, 60), rng.integers(5, 80)
        pred[y:y + dy, x:x + dx] = rng.integers(0, num_classes)
    noise = rng.random(pred.shape) < 0.002
    pred[noise] = rng.integers(0, num_classes, int(noise.sum()))
    return pred


def load_pairs(ann_dir: str, num_images: int, num_classes: int,
               ignore_index: int, seed: int) -> Tuple[np.ndarray, np.ndarray]:
    """(N, H, W) predictions and ground truths from the first label maps."""
    files = sorted(glob.glob(osp.join(ann_dir, '*.png')))[:num_images]
    if not files:
        raise SystemExit(f'--ann-dir: no PNG label maps in {ann_dir!r}')
    rng = np.random.default_rng(seed)
    preds, gts = [], []
    for name in files:
        gt = cv2.imread(name, cv2.IMREAD_UNCHANGED).astype(np.int64)
        bad = (gt >= num_classes) & (gt != ignore_index)
        if bad.any():
            raise SystemExit(f'{name}: label {gt[bad][0]} is neither in '
                             f'[0, {num_classes}) nor {ignore_index}')
        gts.append(gt)
        preds.append(perturb(gt, num_classes, rng))
    return np.stack(preds), np.stack(gts)


def ours(preds: np.ndarray, gts: np.ndarray, num_classes: int,
         tolerances: List[float], unit: str,
         protocol: str) -> Tuple[BoundaryFScore, list, dict, float]:
    """Run the metric; return it, its results, its keys and s/image."""
    metric = BoundaryFScore(
        tolerances=tolerances, tolerance_unit=unit, protocol=protocol)
    metric.dataset_meta = dict(classes=[str(c) for c in range(num_classes)])
    start = time.perf_counter()
    for pred, gt in zip(preds, gts):
        metric.process({}, [
            dict(
                pred_sem_seg=dict(data=torch.from_numpy(pred)[None]),
                gt_sem_seg=dict(data=torch.from_numpy(gt)[None]))
        ])
    seconds = (time.perf_counter() - start) / len(gts)
    results = list(metric.results)
    return metric, results, metric.compute_metrics(results), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--official-root', required=True, help='checkout of nv-tlabs/GSCNN')
    parser.add_argument(
        '--ann-dir', required=True, help='folder of ground-truth label PNGs')
    parser.add_argument('--num-classes', type=int, default=11)
    parser.add_argument('--ignore-index', type=int, default=255)
    parser.add_argument('--num-images', type=int, default=30)
    parser.add_argument(
        '--tolerances',
        type=float,
        nargs='+',
        default=[1, 2, 3, 5],
        help='all >= 1 (pixels) or all < 1 (diagonal '
        'fractions), as GSCNN reads them')
    parser.add_argument(
        '--num-proc',
        type=int,
        default=2,
        help='worker processes of the official code')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--atol', type=float, default=1e-6)
    args = parser.parse_args()

    if min(args.tolerances) < 1 <= max(args.tolerances):
        raise SystemExit('--tolerances: mix of pixels and fractions')
    unit = 'pixel' if min(args.tolerances) >= 1 else 'diagonal'
    official = load_official(args.official_root)
    preds, gts = load_pairs(args.ann_dir, args.num_images, args.num_classes,
                            args.ignore_index, args.seed)
    c = args.num_classes
    gscnn, results, gscnn_keys, gscnn_s = ours(preds, gts, c, args.tolerances,
                                               unit, 'gscnn')
    ours_class = gscnn.gscnn_class_fscores(results)
    _, _, pooled_keys, pooled_s = ours(preds, gts, c, args.tolerances, unit,
                                       'pooled')
    print(f'{len(gts)} maps of {gts.shape[1]}x{gts.shape[2]} from '
          f'{args.ann_dir}, seed {args.seed}')
    print('| tolerance | official | ours, gscnn | ours, pooled | '
          'max abs diff (per class, mean) | official s/image |')
    print('| --- | --- | --- | --- | --- | --- |')
    worst = 0.0
    for i, (t, name) in enumerate(zip(args.tolerances, gscnn.tolerance_names)):
        start = time.perf_counter()
        fpc, fc = official.eval_mask_boundary(
            preds, gts, c, num_proc=args.num_proc, bound_th=float(t))
        seconds = (time.perf_counter() - start) / len(gts)
        official_class = fpc / fc
        official_mean = np.sum(official_class) / c
        diff = max(
            np.abs(official_class - ours_class[i]).max(),
            abs(official_mean - ours_class[i].mean()))
        worst = max(worst, diff)
        print(f'| {name} | {100 * official_mean:.4f} | '
              f'{100 * ours_class[i].mean():.4f} '
              f"(key {gscnn.prefix}/BF@{name} = {gscnn_keys[f'BF@{name}']}) "
              f"| {pooled_keys[f'BF@{name}']:.2f} | {diff:.1e} | "
              f'{seconds:.3f} |')
    print(f'ours s/image (all tolerances): gscnn {gscnn_s:.4f}, '
          f'pooled {pooled_s:.4f}')
    if worst > args.atol:
        print(f'FAIL: difference {worst:.2e} > {args.atol}')
        sys.exit(1)
    print(f'OK: largest difference {worst:.1e} <= {args.atol}')


if __name__ == '__main__':
    main()
