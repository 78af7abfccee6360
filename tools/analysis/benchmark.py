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
from typing import Any, Dict, List, Optional

from mmengine.config import DictAction

import mmseg_ext  # noqa: F401  (registration and stack fixes)
from benchmarking.report import format_table
from benchmarking.run_results import write_outputs
from benchmarking.runner import (BenchmarkSettings, add_settings_arguments,
                                 run_benchmark)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Benchmark segmentor configs side by side',
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('configs', nargs='+', help='config files')
    add_settings_arguments(parser)
    parser.add_argument('--out', help='write the results as JSON here')
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
    write_outputs(format_table(results), None, results, args.out)
    return results


if __name__ == '__main__':
    main()
