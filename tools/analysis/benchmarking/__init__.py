# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Side-by-side speed and memory benchmark of segmentor configs.

The code shared by the scripts of ``tools/analysis/`` (``benchmark.py``,
``benchmark_targets.py``, ``demo_results.py``, ``plot_curves.py``), which
import it as ``benchmarking`` (a script's folder is on ``sys.path``):
synthetic batches (:mod:`.synthetic`, pluggable extra ground truth),
timing and peak-memory
meters (:mod:`.meters`), the measurements (:mod:`.measurements`,
:mod:`.loss_share`, :mod:`.data_throughput`), the orchestration
(:mod:`.runner`), the report (:mod:`.report`), the speed targets
(:mod:`.targets`), the demo-data comparison (:mod:`.demo_results`) and the
training-log reader (:mod:`.training_log`). Tooling, not part of the
installed ``mmseg_ext`` library.
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
