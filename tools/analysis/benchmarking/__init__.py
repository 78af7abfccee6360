# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Code shared by the scripts of ``tools/analysis/``, which import it as
``benchmarking`` (a script's folder is on ``sys.path``): the engine of
``benchmark.py`` and ``benchmark_targets.py`` (synthetic batches, model
set-up, measurements, worker processes, report) and, in
:mod:`.run_results`, what ``demo_results.py``, ``camvid_results.py`` and
``plot_curves.py`` share. Timing and peak memory come from
:mod:`mmseg_ext.utils.benchmark`. Tooling, not part of the library.
"""
from .measurements import MEASUREMENTS
from .report import format_table
from .runner import BenchmarkSettings, run_benchmark
from .synthetic import (SYNTHETIC_FIELDS, SyntheticField,
                        register_synthetic_field, required_fields,
                        synthetic_batch)

__all__ = [
    'MEASUREMENTS', 'BenchmarkSettings', 'SYNTHETIC_FIELDS', 'SyntheticField',
    'format_table', 'register_synthetic_field', 'required_fields',
    'run_benchmark', 'synthetic_batch'
]
