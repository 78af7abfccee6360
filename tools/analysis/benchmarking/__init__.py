# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Code shared by the scripts of ``tools/analysis/`` (their folder is on
``sys.path``): the engine of ``benchmark.py`` and ``benchmark_targets.py``
and, in :mod:`.run_results`, what the results scripts share. Timing and
peak memory come from :mod:`mmseg_ext.utils.benchmark`.
"""
