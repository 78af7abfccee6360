# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Measure the speed and memory targets of docs/benchmarks.md.

Each target compares a head of this package with its mmseg baseline on the
same backbone and input, measured side by side by ``benchmark.py``'s
engine in one run; the printed table gives the measured ratio, the limit
and whether it is met. ``--out`` keeps every raw number as JSON.

Example (the CPU figures of docs/benchmarks.md)::

    python tools/analysis/benchmark_targets.py --device cpu --warmup 1 \\
        --iters 2 --out work_dirs/targets_cpu.json

On a GPU add e.g. ``--device cuda --amp bf16 --warmup 5 --iters 20``.
"""
import argparse
import json
import os.path as osp
import tempfile
from typing import Any, Dict, List, Optional

import mmseg

import mmseg_ext  # noqa: F401  (registration and stack fixes)
from benchmarking import BenchmarkSettings, format_table, run_benchmark
from benchmarking.targets import (TARGETS, evaluate_target, format_targets,
                                  pipeline_without)

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MMSEG_CONFIGS = osp.join(osp.dirname(mmseg.__file__), '.mim', 'configs')


def resolve(config: str) -> str:
    """``mmseg::x.py`` -> mmseg's installed config; else repo-relative."""
    if config.startswith('mmseg::'):
        return osp.join(MMSEG_CONFIGS, config[len('mmseg::'):])
    return osp.join(REPO_ROOT, config)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Measure the per-head speed and memory targets',
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('--device', default='cpu')
    parser.add_argument(
        '--batch-size',
        type=int,
        default=2,
        help='training batch size (mmseg: 2 per GPU; 1 fails in the '
        'BatchNorm of ASPP image pooling)')
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--iters', type=int, default=5)
    parser.add_argument('--rounds', type=int, default=1)
    parser.add_argument(
        '--amp', choices=['none', 'fp16', 'bf16'], default='none')
    parser.add_argument('--channels-last', action='store_true')
    parser.add_argument('--threads', type=int, default=None)
    parser.add_argument(
        '--only',
        default=','.join(TARGETS),
        help='comma-separated targets: ' + ', '.join(TARGETS))
    parser.add_argument(
        '--data-root',
        help='Cityscapes-layout data for the pipeline target (default: a '
        'few synthetic 1024x2048 street scenes generated into a temporary '
        'folder)')
    parser.add_argument('--data-samples', type=int, default=16)
    parser.add_argument('--peak-tflops', type=float, default=None)
    parser.add_argument(
        '--isolation',
        choices=['process', 'none'],
        default='process',
        help='see benchmark.py (none: CPU memory figures unreliable)')
    parser.add_argument('--out', help='write all results as JSON')
    return parser.parse_args(argv)


def synthetic_cityscapes(root: str, samples: int) -> str:
    from mmseg_ext.datasets.demo_cityscapes import generate_demo_cityscapes
    print(
        f'[targets] generating {samples} synthetic 1024x2048 scenes '
        f'into {root}',
        flush=True)
    return generate_demo_cityscapes(
        root, seed=0, num_train=samples, num_val=1, size=(1024, 2048))


def main(argv: Optional[List[str]] = None) -> Dict[str, Any]:
    args = parse_args(argv)
    names = [n for n in args.only.split(',') if n]
    unknown = sorted(set(names) - set(TARGETS))
    if unknown:
        raise SystemExit(f'--only: unknown targets {unknown}; known: '
                         f'{sorted(TARGETS)}')
    runs: Dict[str, Any] = {}
    verdicts = []
    scratch = None
    for name in names:
        target = TARGETS[name]
        cfg_options: Optional[List[Optional[dict]]] = None
        configs = [resolve(c) for c in target.configs]
        if target.kind == 'pipeline':
            data_root = args.data_root
            if data_root is None:
                scratch = scratch or tempfile.mkdtemp(prefix='targets_')
                data_root = synthetic_cityscapes(
                    osp.join(scratch, 'cityscapes'), args.data_samples)
            dataset_options = {'train_dataloader.dataset.data_root': data_root}
            cfg_options = [
                dataset_options,
                dict(dataset_options,
                     **pipeline_without(configs[0], target.removed))
            ]
            configs = [configs[0], configs[0]]
        settings = BenchmarkSettings(
            device=args.device,
            batch_size=args.batch_size,
            infer_batch_size=1,
            input_size=list(target.input_size),
            infer_size=list(target.input_size),
            warmup=args.warmup,
            iters=args.iters,
            rounds=args.rounds,
            amp=args.amp,
            channels_last=args.channels_last,
            compile=False,
            measurements=target.measurements,
            strip_pretrained=True,
            data_samples=args.data_samples,
            threads=args.threads,
            peak_tflops=args.peak_tflops,
            isolation=args.isolation)
        print(f'[targets] {name}: {target.description}', flush=True)
        if cfg_options is None:
            result = run_benchmark(configs, settings)
        else:  # one config measured twice with different options
            parts = [
                run_benchmark([c], settings, o)
                for c, o in zip(configs, cfg_options)
            ]
            result = parts[0]
            result['configs'] = [p['configs'][0] for p in parts]
            result['configs'][1]['name'] += ' (without ' + ', '.join(
                target.removed) + ')'
        print(format_table(result), flush=True)
        runs[name] = result
        verdicts.extend(evaluate_target(name, target, result))
    table = format_targets(verdicts)
    print(table)
    results = dict(targets=verdicts, runs=runs)
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(results, f, indent=2)
        print(f'results written to {args.out}')
    return results


if __name__ == '__main__':
    main()
