# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Code shared by the scripts of ``tools/analysis/`` (their folder is on
``sys.path``): the engine of ``benchmark.py`` and ``benchmark_targets.py``
and, in :mod:`.run_results`, what the results scripts share. Timing and
peak memory come from :mod:`mmseg_ext.utils.benchmark`.
"""
from .measurements import MEASUREMENTS
from .report import format_table
from .runner import BenchmarkSettings, run_benchmark

__all__ = [
    'MEASUREMENTS', 'BenchmarkSettings', 'format_table', 'run_benchmark'
]
