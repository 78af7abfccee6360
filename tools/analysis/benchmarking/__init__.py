# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Side-by-side speed and memory benchmark of segmentor configs.

The library behind ``tools/analysis/benchmark.py``: synthetic batches
(:mod:`.synthetic`, pluggable extra ground truth), timing and peak-memory
meters (:mod:`.meters`), the measurements (:mod:`.measurements`,
:mod:`.loss_share`, :mod:`.data_throughput`), the orchestration
(:mod:`.runner`) and the report (:mod:`.report`). Not imported by ``mmseg_ext``
itself.
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
