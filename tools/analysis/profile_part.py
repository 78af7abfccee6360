# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Time (and profile) one part of a segmentor alone: its decode head or
its neck.

The model of a config is built (checkpoints stripped) and its backbone run
once on a synthetic batch; its outputs are kept as leaf tensors. Then:

* ``--part head``: the decode head's ``loss`` (forward + loss terms) and
  the backward to its parameters and inputs, on those features (after the
  neck, if any);
* ``--part head --inference``: the head's forward alone, without
  gradients, in eval mode;
* ``--part neck``: ``extract_feat`` with the backbone replaced by the kept
  outputs, i.e. the neck and whatever the segmentor adds there (e.g. the
  Gated-SCNN image gradient), forward + backward of the mean of every
  output tensor.

``--iters`` timed calls after ``--warmup``; the best and the median are
printed. ``--profile`` adds torch.profiler's table of one more call (self
CPU/GPU time per op). The "head alone" and "neck alone" figures of
docs/benchmarks.md are of this kind.

Example::

    python tools/analysis/profile_part.py \\
        configs/pspnet/psp-upsample_r101-d8_4xb2-80k_cityscapes-512x1024.py \\
        --part head --batch-size 2 --input-size 512 1024 --threads 2
"""
import argparse
import statistics
import time
from typing import Any, Callable, List

import torch

import mmseg_ext  # noqa: F401  (registration and stack fixes)
from benchmarking.meters import synchronize
from benchmarking.model_setup import build_model, load_config, preprocess
from benchmarking.synthetic import required_fields, synthetic_batch


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Time one part of a segmentor alone',
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('config')
    parser.add_argument('--part', choices=['head', 'neck'], default='head')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--batch-size', type=int, default=2)
    parser.add_argument('--input-size', type=int, nargs=2, default=(512, 1024))
    parser.add_argument('--warmup', type=int, default=1)
    parser.add_argument('--iters', type=int, default=2)
    parser.add_argument('--threads', type=int, default=None)
    parser.add_argument('--channels-last', action='store_true')
    parser.add_argument(
        '--inference',
        action='store_true',
        help='time the eval-mode forward without gradients instead')
    parser.add_argument('--profile', action='store_true')
    return parser.parse_args()


def _tensors(value: Any) -> List[torch.Tensor]:
    """Every tensor of a (nested) output, including named fields of a
    tuple subclass such as ``ShapeStreamFeatures``."""
    if isinstance(value, torch.Tensor):
        return [value]
    found = []
    if isinstance(value, (list, tuple)):
        for item in value:
            found += _tensors(item)
    if isinstance(value, dict):
        for item in value.values():
            found += _tensors(item)
    for item in getattr(value, '__dict__', {}).values():
        if isinstance(item, torch.Tensor):
            found.append(item)
    return found


def _as_leaves(value: Any) -> Any:
    for tensor in _tensors(value):
        if tensor.is_floating_point():
            tensor.requires_grad_()
    return value


def make_call(model,
              data: dict,
              part: str,
              inference: bool = False) -> Callable[[], None]:
    inputs, samples = data['inputs'], data['data_samples']
    with torch.no_grad():
        backbone_out = model.backbone(inputs)
    backbone_out = _as_leaves(
        tuple(t.detach()
              for t in backbone_out) if isinstance(backbone_out, (
                  list, tuple)) else backbone_out.detach())
    if part == 'neck':
        if getattr(model, 'neck', None) is None:
            raise SystemExit('--part neck: the model has no neck')
        model.backbone.forward = lambda *_: backbone_out

        def call():
            out = model.extract_feat(inputs)
            sum(t.float().mean() for t in _tensors(out)
                if t.requires_grad).backward()

        return call
    with torch.no_grad():
        model.backbone.forward = lambda *_: backbone_out
        feats = model.extract_feat(inputs)
    if inference:

        def infer():
            with torch.no_grad():
                model.decode_head(feats)

        return infer
    feats = _as_leaves(feats)
    train_cfg = getattr(model, 'train_cfg', None)

    def call():
        losses = model.decode_head.loss(feats, samples, train_cfg)
        sum(v for k, v in losses.items() if 'loss' in k).backward()

    return call


def main() -> None:
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    cfg = load_config(args.config)
    settings = dict(
        device=args.device,
        channels_last=args.channels_last,
        compile=False,
        strip_pretrained=True)
    model, info = build_model(cfg, settings, tuple(args.input_size))
    model.train(not args.inference)
    if args.inference and args.part != 'head':
        raise SystemExit('--inference: only with --part head')
    batch = synthetic_batch(args.batch_size, tuple(args.input_size),
                            info['num_classes'],
                            required_fields(model, cfg.get('train_pipeline')))
    data = preprocess(model, batch, True, settings)
    call = make_call(model, data, args.part, args.inference)
    for _ in range(args.warmup):
        call()
    times = []
    for _ in range(args.iters):
        synchronize(args.device)
        start = time.perf_counter()
        call()
        synchronize(args.device)
        times.append(time.perf_counter() - start)
    what = 'forward' if args.inference else 'forward + backward'
    print(f'{args.config}: {args.part} ({info["decode_head"]} head), batch '
          f'{args.batch_size} at {tuple(args.input_size)}, {what}: '
          f'best {min(times):.3f} s, median '
          f'{statistics.median(times):.3f} s over {args.iters}')
    if args.profile:
        activities = [torch.profiler.ProfilerActivity.CPU]
        if args.device.startswith('cuda'):
            activities.append(torch.profiler.ProfilerActivity.CUDA)
        with torch.profiler.profile(activities=activities) as prof:
            call()
            synchronize(args.device)
        sort = ('self_cuda_time_total'
                if args.device.startswith('cuda') else 'self_cpu_time_total')
        print(prof.key_averages().table(sort_by=sort, row_limit=15))


if __name__ == '__main__':
    main()
