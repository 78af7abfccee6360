# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Forward + backward time of each Gated-SCNN loss term on its own.

Builds the decode head's loss modules of a config (default: the demo
Gated-SCNN) and times each one on random logits and procedurally rendered
street-scene labels (the demo data's generator), with edge targets from
``GenerateSegBoundary``: the figures of docs/gscnn_losses.md ("Cost of the
losses"). Median over ``--repeats`` after one warm-up call.

Example::

    python tools/analysis/benchmark_gscnn_losses.py --threads 2
"""
import argparse
import statistics
import time
from typing import Dict, List

import numpy as np
import torch
from mmengine.config import Config

import mmseg_ext  # noqa: F401  (registration and stack fixes)
from mmseg_ext.datasets.demo_scene import render_scene
from mmseg_ext.datasets.transforms import GenerateSegBoundary

DEMO_GSCNN = ('configs/gscnn/'
              'gscnn_r18-c32-d16_1xb4-1k_demo-cityscapes-256x512.py')
LOSS_KEYS = ('loss_decode', 'loss_edge', 'loss_dual', 'loss_edge_att')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Time each Gated-SCNN loss term (forward + backward)',
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('--config', default=DEMO_GSCNN)
    parser.add_argument('--batch-size', type=int, default=4)
    parser.add_argument('--label-size', type=int, nargs=2, default=(256, 256))
    parser.add_argument(
        '--logit-size',
        type=int,
        nargs=2,
        default=(64, 64),
        help='segmentation and edge logits (the head\'s output size)')
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args()


def build_losses(config: str) -> Dict[str, torch.nn.Module]:
    """The decode head's loss modules, by their config key."""
    from mmseg.registry import MODELS
    head = Config.fromfile(config).model.decode_head
    losses = {}
    for key in LOSS_KEYS:
        cfg = head.get(key)
        if cfg is not None:
            losses[key] = MODELS.build(cfg)
    if not losses:
        raise KeyError(f'{config}: the decode head has none of {LOSS_KEYS}')
    return losses


def make_inputs(args, num_classes: int) -> Dict[str, torch.Tensor]:
    rng = np.random.default_rng(args.seed)
    labels, edges = [], []
    boundary = GenerateSegBoundary()
    for _ in range(args.batch_size):
        label = render_scene(rng, tuple(args.label_size))['label']
        results = boundary.transform(dict(gt_seg_map=label, seg_fields=[]))
        labels.append(torch.from_numpy(label.astype(np.int64)))
        edges.append(torch.from_numpy(results['gt_edge_map'].astype(np.int64)))
    generator = torch.Generator().manual_seed(args.seed)
    h, w = args.logit_size
    return dict(
        label=torch.stack(labels),
        edge_target=torch.stack(edges)[:, None],
        seg_logits=torch.randn(
            args.batch_size, num_classes, h, w, generator=generator),
        edge_logits=torch.randn(args.batch_size, 1, h, w, generator=generator))


def time_loss(key: str, loss: torch.nn.Module, inputs: dict,
              repeats: int) -> List[float]:
    seg = inputs['seg_logits'].clone().requires_grad_()
    edge = inputs['edge_logits'].clone().requires_grad_()
    label = inputs['label']

    def call():
        if key == 'loss_edge':
            value = loss(edge, inputs['edge_target'])
        elif key == 'loss_edge_att':
            value = loss(seg, label, edge)
        elif key == 'loss_decode':
            big = torch.nn.functional.interpolate(
                seg, size=label.shape[1:], mode='bilinear')
            value = loss(big, label, ignore_index=255)
        else:
            value = loss(seg, label)
        value.backward()

    call()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    args = parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    num_classes = Config.fromfile(args.config).model.decode_head.num_classes
    losses = build_losses(args.config)
    inputs = make_inputs(args, num_classes)
    print(f'{args.config}: batch {args.batch_size}, {num_classes} classes, '
          f'label {tuple(args.label_size)}, logits {tuple(args.logit_size)}'
          f', {args.threads} thread(s), median of {args.repeats}')
    print(f'{"term":<15}{"type":<20}{"fwd+bwd ms":>12}')
    for key, loss in losses.items():
        ms = statistics.median(time_loss(key, loss, inputs, args.repeats))
        print(f'{key:<15}{type(loss).__name__:<20}{ms:>12.1f}')


if __name__ == '__main__':
    main()
