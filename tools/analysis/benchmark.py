# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Benchmark segmentor configs side by side with the same device, input
and options: train and inference (whole, slide) throughput, peak memory,
parameters, FLOPs, the losses' share of the train step and the train
pipeline's images/s. Prints ratios to the first config; ``--out`` keeps
every raw number as JSON. Usage and figures: docs/benchmarks.md.
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
