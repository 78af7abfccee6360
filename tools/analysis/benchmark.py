# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Benchmark segmentor configs side by side: speed, memory, FLOPs.

Every config is built (checkpoints stripped, nothing downloaded) and
measured with the same device, input and options: training-step
throughput, inference throughput in whole and slide mode, peak memory,
parameters, FLOPs, the heads' loss time as a share of the step, and the
train pipeline's images/s per dataloader worker. A table with ratios to
the first config is printed; ``--out`` writes every raw number as JSON.
See docs/benchmarks.md.

Example::

    python tools/analysis/benchmark.py \\
        configs/demo/fcn_r18-c32-d16_1xb4-1k_demo-cityscapes-256x512.py \\
        configs/demo/pspnet_r18-c32-d16_1xb4-1k_demo-cityscapes-256x512.py \\
        --device cpu --batch-size 2 --input-size 256 512 --out bench.json
"""
import argparse
import json
from typing import Any, Dict, List, Optional

from mmengine.config import DictAction

import mmseg_ext  # noqa: F401  (registration and stack fixes)
from benchmarking import (MEASUREMENTS, BenchmarkSettings, format_table,
                          run_benchmark)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Benchmark segmentor configs side by side',
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('configs', nargs='+', help='config files')
    parser.add_argument('--device', default='cpu', help='cpu or cuda[:i]')
    parser.add_argument(
        '--batch-size', type=int, default=2, help='training batch size')
    parser.add_argument(
        '--infer-batch-size', type=int, default=1, help='inference batch size')
    parser.add_argument(
        '--input-size',
        type=int,
        nargs=2,
        metavar=('H', 'W'),
        help='training input size (default: the first config\'s crop)')
    parser.add_argument(
        '--infer-size',
        type=int,
        nargs=2,
        metavar=('H', 'W'),
        help='inference input size (default: --input-size)')
    parser.add_argument(
        '--warmup', type=int, default=5, help='untimed iterations')
    parser.add_argument(
        '--iters', type=int, default=20, help='timed iterations (median)')
    parser.add_argument(
        '--rounds',
        type=int,
        default=1,
        help='measure all configs this many times, interleaved, and take '
        'the median over rounds (steadier ratios on a shared machine)')
    parser.add_argument(
        '--amp',
        choices=['none', 'fp16', 'bf16'],
        default='none',
        help='autocast dtype (fp16 needs cuda)')
    parser.add_argument(
        '--channels-last',
        action='store_true',
        help='channels_last model and inputs')
    parser.add_argument(
        '--compile',
        action='store_true',
        help='torch.compile backbone, neck and heads')
    parser.add_argument(
        '--only',
        dest='measurements',
        metavar='ONLY',
        type=lambda text: tuple(text.split(',')),
        default='all',
        help='comma-separated measurements: ' + ','.join(MEASUREMENTS) +
        ' (infer = infer_whole,infer_slide; all)')
    parser.add_argument(
        '--slide-crop',
        type=int,
        nargs=2,
        metavar=('H', 'W'),
        help='slide window (default: the config\'s slide test_cfg, else '
        'its training crop)')
    parser.add_argument(
        '--slide-stride',
        type=int,
        nargs=2,
        metavar=('H', 'W'),
        help='slide stride (default: the config\'s, else 2/3 of the crop)')
    parser.add_argument(
        '--data-samples',
        type=int,
        default=20,
        help='timed dataset[i] calls of the data-pipeline measurement')
    parser.add_argument(
        '--threads', type=int, help='torch threads (default: torch\'s)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--cudnn-benchmark',
        action=argparse.BooleanOptionalAction,
        default=True,
        help='torch.backends.cudnn.benchmark (mmseg\'s default runtime)')
    parser.add_argument(
        '--gt-fields',
        dest='extra_fields',
        metavar='GT_FIELDS',
        type=lambda text: tuple(f for f in text.split(',') if f),
        default='',
        help='extra synthetic ground-truth fields to add to every training '
        'batch (comma-separated; needed ones are detected)')
    pretrained = parser.add_mutually_exclusive_group()
    pretrained.add_argument(
        '--no-pretrained',
        dest='strip_pretrained',
        action='store_true',
        default=True,
        help='strip pretrained/init_cfg checkpoints (the default)')
    pretrained.add_argument(
        '--keep-pretrained',
        dest='strip_pretrained',
        action='store_false',
        help='load the configs\' checkpoints (may download)')
    parser.add_argument(
        '--isolation',
        choices=['process', 'none'],
        default='process',
        help='one fresh worker process per config and measurement '
        '(needed for CPU peak memory), or all in this process')
    parser.add_argument(
        '--peak-tflops',
        type=float,
        help='dense peak of the device (e.g. bf16), to report model FLOPs '
        'utilisation')
    parser.add_argument('--out', help='write the results as JSON here')
    parser.add_argument(
        '--verbose', action='store_true', help='keep library warnings')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='key=value overrides of every config')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> Dict[str, Any]:
    args = parse_args(argv)
    settings = BenchmarkSettings.from_args(args)
    try:
        results = run_benchmark(args.configs, settings, args.cfg_options)
    except (ValueError, FileNotFoundError, KeyError) as exc:
        raise SystemExit(str(exc).strip('"\''))
    print(format_table(results))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(results, f, indent=2)
        print(f'results written to {args.out}')
    return results


if __name__ == '__main__':
    main()
