# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Cost of Gated-SCNN's image gradients against the rest of a train step.

Times, on the same device and batch:

* ``model``: what ``ShapeStreamEncoderDecoder`` runs each step
  (un-normalisation + ``CannyImageGradient``, by default 'auto': tensor ops
  on a GPU, ``cv2.Canny`` on a CPU);
* ``torch``: :func:`canny_edges` (tensor ops) on the device;
* ``opencv``: ``cv2.Canny`` per image on the CPU, the device->host->device
  copies included (the official code's placement);
* ``opencv/img``: ``cv2.Canny`` of one image alone, i.e. the cost a data
  worker would pay per image if the map were made in the pipeline;
* ``step``: a whole training step (forward, losses, backward, SGD) of the
  model of ``CONFIG`` (SyncBN turned into BN).

and prints the median wall time (and, on a CPU, process CPU time, which
other processes on the machine disturb less) with its ratio to the step;
all four maps are checked equal. Images are the demo
street scenes when ``data/demo_cityscapes`` exists (resized), otherwise
smooth random images. Example::

    python tools/analysis/benchmark_image_gradient.py \\
        configs/gscnn/gscnn_r18-c32-d16_1xb4-1k_demo-cityscapes-256x512.py \\
        --size 256 512 --batch 4 --device cpu
"""
import argparse
import glob
import os.path as osp
import sys
import time
from typing import Callable, List, Tuple

import cv2
import numpy as np
import torch

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, REPO_ROOT)

import mmseg_ext  # noqa: E402,F401  (registration and stack fixes)
from mmseg_ext.models.segmentors.image_gradient import (  # noqa: E402
    canny_edges, opencv_canny_edges)


def load_images(n: int, size: List[int]) -> np.ndarray:
    """(n, H, W, 3) uint8 BGR images."""
    files = sorted(
        glob.glob(
            osp.join(REPO_ROOT, 'data', 'demo_cityscapes', 'leftImg8bit', '*',
                     '*', '*.png')))
    rng = np.random.default_rng(0)
    out = []
    for i in range(n):
        if files:
            img = cv2.imread(files[i % len(files)])
        else:
            img = rng.integers(
                0, 256, (size[0] // 8, size[1] // 8, 3), dtype=np.uint8)
        out.append(cv2.resize(img, (size[1], size[0])))
    return np.stack(out)


def timed(fn: Callable, device: torch.device, warmup: int,
          iters: int) -> Tuple[float, float]:
    """Median wall and CPU seconds of ``fn()`` over ``iters`` runs after
    ``warmup``."""
    wall, cpu = [], []
    for i in range(warmup + iters):
        if device.type == 'cuda':
            torch.cuda.synchronize()
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        if device.type == 'cuda':
            torch.cuda.synchronize()
        if i >= warmup:
            wall.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
    return float(np.median(wall)), float(np.median(cpu))


def build_step(config: str, images: torch.Tensor, device: torch.device):
    """A closure running one training step of ``config``'s model."""
    from mmengine.config import Config
    from mmengine.model import revert_sync_batchnorm
    from mmengine.structures import PixelData
    from mmseg.registry import MODELS
    from mmseg.structures import SegDataSample
    from mmseg.utils import register_all_modules

    from mmseg_ext.datasets.transforms import GenerateSegBoundary
    register_all_modules(init_default_scope=True)
    cfg = Config.fromfile(config)
    cfg.model.pretrained = None
    cfg.model.backbone.init_cfg = None
    model = revert_sync_batchnorm(MODELS.build(cfg.model)).to(device)
    model.train()
    num_classes = model.num_classes
    n, _, h, w = images.shape
    boundary = GenerateSegBoundary(radius=2)
    samples = []
    g = torch.Generator().manual_seed(0)
    for _ in range(n):
        # Blocky labels with realistic boundary density.
        label = torch.randint(
            0, num_classes, (1, 1, h // 16 + 1, w // 16 + 1), generator=g)
        label = torch.nn.functional.interpolate(
            label.float(), size=(h, w), mode='nearest').long()[0]
        edge = boundary.transform(
            {'gt_seg_map': label[0].numpy().astype(np.uint8)})['gt_edge_map']
        s = SegDataSample(
            metainfo=dict(
                img_shape=(h, w), pad_shape=(h, w), ori_shape=(h, w)))
        s.gt_sem_seg = PixelData(data=label.to(device))
        s.gt_edge_map = PixelData(
            data=torch.from_numpy(edge[None].astype(np.int64)).to(device))
        samples.append(s)
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
    inputs = model.data_preprocessor(
        dict(inputs=list(images.to(torch.uint8)), data_samples=samples),
        True)['inputs']

    def step():
        losses = model.loss(inputs, samples)
        total = sum(v for k, v in losses.items() if 'loss' in k)
        optimizer.zero_grad()
        total.backward()
        optimizer.step()

    return model, inputs, step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='model config (ShapeStream...)')
    parser.add_argument(
        '--size', type=int, nargs=2, default=(512, 1024), metavar=('H', 'W'))
    parser.add_argument('--batch', type=int, default=2)
    parser.add_argument(
        '--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--iters', type=int, default=5)
    parser.add_argument(
        '--threads', type=int, default=None, help='torch CPU threads')
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    bgr = load_images(args.batch, args.size)
    images = torch.from_numpy(bgr).permute(0, 3, 1, 2).float().to(device)

    model, inputs, step = build_step(args.config, images, device)
    rgb = images.flip(1)  # the order the model sees (bgr_to_rgb)
    maps = [
        model.image_gradient(model.unnormalize(inputs)),
        canny_edges(rgb),
        opencv_canny_edges(rgb)
    ]
    same = all(torch.equal(maps[0], m) for m in maps[1:])
    cpu = torch.device('cpu')
    rows = [
        ('model (un-norm + auto)',
         timed(lambda: model.image_gradient(model.unnormalize(inputs)), device,
               args.warmup, args.iters)),
        ('torch canny_edges',
         timed(lambda: canny_edges(images), device, args.warmup, args.iters)),
        ('opencv, host round trip',
         timed(lambda: opencv_canny_edges(images), device, args.warmup,
               args.iters)),
        ('opencv, 1 img (worker)',
         timed(lambda: cv2.Canny(bgr[0], 10, 100), cpu, args.warmup,
               args.iters)),
        ('train step', timed(step, device, args.warmup, args.iters)),
    ]
    step_wall, step_cpu = rows[-1][1]
    print(f'{osp.basename(args.config)}: batch {args.batch} x '
          f'{args.size[0]}x{args.size[1]}, device {device} '
          f'({torch.get_num_threads()} CPU threads); all maps equal: '
          f'{same}')
    print(f'{"":26s} {"wall ms":>10s} {"x step":>8s} {"cpu ms":>10s} '
          f'{"x step":>8s}')
    for name, (wall, cpu_time) in rows:
        print(f'{name:26s} {wall * 1e3:10.2f} {wall / step_wall:8.4f} '
              f'{cpu_time * 1e3:10.2f} {cpu_time / step_cpu:8.4f}')


if __name__ == '__main__':
    main()
