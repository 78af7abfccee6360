# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Gated-SCNN's image gradients: agreement with cv2.Canny, and cost.

``--agreement B1 B2 ...`` compares the tensor Canny (``canny_edges``) with
hysteresis bounded to each number of steps against ``cv2.Canny`` on real
photos (``--images 'GLOB'``) or rendered demo street scenes, and prints per
bound: the pixel agreement, the recall of cv2's edge pixels and the share
of images reproduced exactly. Example::

    python tools/analysis/benchmark_image_gradient.py --agreement \\
        8 16 32 64 128 256 --images 'data/CamVid/val/*.png'

Without ``--agreement`` it times, on the same device and batch:

* ``model``: what ``ShapeStreamEncoderDecoder`` runs each step
  (un-normalisation + ``CannyImageGradient`` of ``CONFIG``);
* ``torch``: :func:`canny_edges` (tensor ops) on the device;
* ``opencv``: ``cv2.Canny`` per image on the CPU, the device->host->device
  copies included (the official code's placement);
* ``opencv/img``: ``cv2.Canny`` of one image alone, i.e. the cost a data
  worker would pay per image if the map were made in the pipeline;
* ``step``: a whole training step (forward, losses, backward, SGD) of the
  model of ``CONFIG`` (SyncBN turned into BN).

and prints the median wall time (and, on a CPU, process CPU time, which
other processes on the machine disturb less) with its ratio to the step,
and whether the maps equal cv2's. Images as above, resized to ``--size``.
Example::

    python tools/analysis/benchmark_image_gradient.py \\
        configs/gscnn/gscnn_r18-c32-d16_1xb4-1k_demo-cityscapes-256x512.py \\
        --size 256 512 --batch 4 --device cpu
"""
import argparse
import glob
import os.path as osp
import time
from typing import Callable, List, Optional, Sequence, Tuple

import cv2
import numpy as np
import torch

import mmseg_ext  # noqa: F401  (registration and stack fixes)
from mmseg_ext.datasets.demo_scene import render_scene
from mmseg_ext.models.utils import canny_edges, opencv_canny_edges
from mmseg_ext.models.utils.image_gradient import HYSTERESIS_ITERS


def load_images(n: int,
                size: Optional[Sequence[int]],
                pattern: Optional[str] = None) -> List[np.ndarray]:
    """``n`` uint8 BGR images: files matching ``pattern`` (sorted), else
    rendered demo scenes; resized to ``size`` (H, W) when given."""
    files = sorted(glob.glob(pattern)) if pattern else []
    if pattern and not files:
        raise FileNotFoundError(f'no image matches {pattern!r}')
    out = []
    for i in range(n):
        if files:
            img = cv2.imread(files[i % len(files)])
        else:
            img = render_scene(
                np.random.default_rng(i), tuple(size or (256, 512)))['img']
        if size is not None and img.shape[:2] != tuple(size):
            img = cv2.resize(img, (size[1], size[0]))
        out.append(img)
    return out


def agreement(images: List[np.ndarray], bounds: Sequence[int]) -> None:
    """Print the agreement of bounded hysteresis with ``cv2.Canny``."""
    print(f'{len(images)} images, {images[0].shape[0]}x{images[0].shape[1]};'
          ' Canny(10, 100) on the RGB image')
    print('| hysteresis_iters | pixel agreement (%) | recall of cv2 edge '
          'pixels (%) | images identical (%) | CPU ms / image |')
    print('|---|---|---|---|---|')
    tensors = [
        torch.from_numpy(np.ascontiguousarray(img[..., ::-1])).permute(
            2, 0, 1)[None].float() for img in images
    ]
    refs = [opencv_canny_edges(t) for t in tensors]
    for bound in bounds:
        same = edges = found = exact = 0
        start = time.process_time()
        for t, ref in zip(tensors, refs):
            ours = canny_edges(t, hysteresis_iters=bound)
            same += int((ours == ref).sum())
            edges += int(ref.sum())
            found += int((ours * ref).sum())
            exact += int(torch.equal(ours, ref))
        cpu = (time.process_time() - start) / len(images) * 1e3
        pixels = sum(r.numel() for r in refs)
        print(f'| {bound} | {100 * same / pixels:.4f} | '
              f'{100 * found / max(edges, 1):.3f} | '
              f'{100 * exact / len(images):.0f} | {cpu:.1f} |')


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
    parser.add_argument(
        'config', nargs='?', help='model config (for the timings)')
    parser.add_argument(
        '--agreement',
        type=int,
        nargs='+',
        metavar='BOUND',
        help='print the agreement with cv2.Canny for these hysteresis '
        'bounds instead of timings')
    parser.add_argument(
        '--images', help='glob of images (default: rendered demo scenes)')
    parser.add_argument(
        '--num-images', type=int, default=20, help='for --agreement')
    parser.add_argument(
        '--size',
        type=int,
        nargs=2,
        default=None,
        metavar=('H', 'W'),
        help='resize to (default: 512 1024 for timings, the images\' own '
        'size for --agreement)')
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
    if args.agreement:
        agreement(
            load_images(args.num_images, args.size, args.images),
            args.agreement)
        return
    if args.config is None:
        parser.error('CONFIG is required for the timings')
    args.size = args.size or (512, 1024)
    device = torch.device(args.device)
    bgr = np.stack(load_images(args.batch, args.size, args.images))
    images = torch.from_numpy(bgr).permute(0, 3, 1, 2).float().to(device)

    model, inputs, step = build_step(args.config, images, device)
    rgb = images.flip(1)  # the order the model sees (bgr_to_rgb)
    maps = [
        model.image_gradient(model.unnormalize(inputs)),
        canny_edges(rgb),
        opencv_canny_edges(rgb)
    ]
    same = all(torch.equal(m, maps[-1]) for m in maps[:-1])
    cpu = torch.device('cpu')
    rows = [
        (f'model ({model.image_gradient.hysteresis_iters} steps)',
         timed(lambda: model.image_gradient(model.unnormalize(inputs)), device,
               args.warmup, args.iters)),
        (f'canny_edges ({HYSTERESIS_ITERS} steps)',
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
          f'({torch.get_num_threads()} CPU threads); maps equal to '
          f'cv2.Canny: {same}')
    print(f'{"":26s} {"wall ms":>10s} {"x step":>8s} {"cpu ms":>10s} '
          f'{"x step":>8s}')
    for name, (wall, cpu_time) in rows:
        print(f'{name:26s} {wall * 1e3:10.2f} {wall / step_wall:8.4f} '
              f'{cpu_time * 1e3:10.2f} {cpu_time / step_cpu:8.4f}')


if __name__ == '__main__':
    main()
