# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Per-image CPU cost of ``GenerateSegBoundary`` in a Cityscapes pipeline.

Writes ``--num-images`` procedurally rendered street-scene label maps
(the demo data's generator, 19 classes) at 1024x2048 as PNGs, then times,
per image: mmseg's ``LoadAnnotations`` (PNG decode), ``RandomCrop`` to
512x1024, ``GenerateSegBoundary`` on the full map and on the crop,
mmseg's ``GenerateEdge`` and a per-class Euclidean distance transform
(scipy; the way the official Gated-SCNN code derives its edge targets,
reimplemented here for the comparison). The figures of
docs/gscnn_losses.md ("Boundary ground truth"); one OpenCV thread,
median over images x ``--repeats``.

Example::

    python tools/analysis/benchmark_seg_boundary.py --num-images 8
"""
import argparse
import os.path as osp
import statistics
import tempfile
import time
from typing import Callable, Dict, List

import cv2
import numpy as np

import mmseg_ext  # noqa: F401  (registration and stack fixes)
from mmseg_ext.datasets.demo_scene import render_scene
from mmseg_ext.datasets.transforms import GenerateSegBoundary


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Time GenerateSegBoundary against the pipeline around '
        'it',
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('--num-images', type=int, default=8)
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--size', type=int, nargs=2, default=(1024, 2048))
    parser.add_argument('--crop', type=int, nargs=2, default=(512, 1024))
    parser.add_argument('--radius', type=int, default=2)
    parser.add_argument(
        '--edt-repeats',
        type=int,
        default=1,
        help='runs of the slow distance-transform reference (0: skip)')
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args()


def edt_boundaries(label: np.ndarray,
                   radius: int,
                   ignore_index: int = 255) -> np.ndarray:
    """Boundary map from per-class distance transforms: a pixel within
    ``radius`` of the border of a present class's region is a boundary."""
    from scipy.ndimage import distance_transform_edt
    edges = np.zeros(label.shape, np.uint8)
    for cls in np.unique(label):
        if cls == ignore_index:
            continue
        mask = np.pad(label == cls, 1, mode='constant')
        dist = distance_transform_edt(mask) + distance_transform_edt(~mask)
        dist = dist[1:-1, 1:-1]
        edges |= ((dist > 0) & (dist <= radius)).astype(np.uint8)
    return edges


def median_ms(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    args = parse_args()
    cv2.setNumThreads(1)
    from mmseg.datasets.transforms import (GenerateEdge, LoadAnnotations,
                                           RandomCrop)
    rng = np.random.default_rng(args.seed)
    load = LoadAnnotations()
    crop = RandomCrop(crop_size=tuple(args.crop), cat_max_ratio=0.75)
    boundary = GenerateSegBoundary(radius=args.radius)
    ce2p = GenerateEdge(edge_width=3)
    rows: Dict[str, List[float]] = {
        k: []
        for k in ('LoadAnnotations', 'RandomCrop', 'GenerateSegBoundary full',
                  'GenerateSegBoundary crop', 'GenerateEdge full',
                  'per-class EDT full')
    }
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.num_images):
            path = osp.join(tmp, f'{i}.png')
            cv2.imwrite(path, render_scene(rng, tuple(args.size))['label'])

            def fresh():
                return dict(
                    seg_map_path=path,
                    reduce_zero_label=False,
                    seg_fields=[],
                    img_shape=tuple(args.size))

            loaded = load(fresh())
            full = loaded['gt_seg_map']
            cropped = crop(
                dict(loaded, img=np.zeros((*full.shape, 3), np.uint8)))
            rows['LoadAnnotations'].append(
                median_ms(lambda: load(fresh()), args.repeats))
            rows['RandomCrop'].append(
                median_ms(
                    lambda: crop(
                        dict(
                            loaded,
                            gt_seg_map=full.copy(),
                            img=np.zeros((*full.shape, 3), np.uint8))),
                    args.repeats))
            rows['GenerateSegBoundary full'].append(
                median_ms(
                    lambda: boundary(dict(gt_seg_map=full, seg_fields=[])),
                    args.repeats))
            rows['GenerateSegBoundary crop'].append(
                median_ms(
                    lambda: boundary(
                        dict(gt_seg_map=cropped['gt_seg_map'], seg_fields=[])),
                    args.repeats))
            rows['GenerateEdge full'].append(
                median_ms(
                    lambda: ce2p(dict(gt_seg_map=full, img_shape=full.shape)),
                    args.repeats))
            if args.edt_repeats:
                rows['per-class EDT full'].append(
                    median_ms(lambda: edt_boundaries(full, args.radius),
                              args.edt_repeats))
    print(f'{args.num_images} rendered label maps at {tuple(args.size)}, '
          f'crop {tuple(args.crop)}, 1 OpenCV thread; ms per image, median '
          '(min - max over images):')
    base = statistics.median(rows['LoadAnnotations']) + statistics.median(
        rows['RandomCrop'])
    for name, values in rows.items():
        if not values:
            continue
        med = statistics.median(values)
        share = (f'  ({med / base:.2f} of Load + Crop)'
                 if name.startswith('GenerateSegBoundary') else '')
        print(f'{name:<26}{med:>9.1f}  ({min(values):.1f} - '
              f'{max(values):.1f}){share}')


if __name__ == '__main__':
    main()
