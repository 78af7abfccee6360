# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Timing and peak-memory meters shared by the benchmark scripts.

The one measurement module of ``tools/`` (as ``mmdet.utils.benchmark`` is
mmdet's): ``tools/analysis/benchmark.py`` (its engine) and
``tools/model_converters/benchmark_vs_official_gscnn.py`` time and measure
with it. Nothing in the library imports it.

* :func:`time_calls`: ``warmup`` untimed calls, then ``iters`` timed ones,
  each bracketed by :func:`synchronize`; the median is the figure of merit.
* :class:`PeakMemoryMeter`: on CUDA ``max_memory_allocated`` after a reset;
  on Linux CPUs the kernel's resident high-water mark (``VmHWM``, reset
  through ``/proc/self/clear_refs``) minus ``VmRSS`` at the start, sound
  only in a process that ran no earlier measurement (hence one fresh
  process per measurement); elsewhere ``ru_maxrss``. Every result names its
  ``method``. Why each choice: docs/benchmarks.md.
"""
import ctypes
import ctypes.util
import gc
import resource
import statistics
import sys
import time
from typing import Callable, Dict, List, Optional

import torch

_KB = 1024.0
_MB = 1024.0 * 1024.0


def synchronize(device: str) -> None:
    """Wait for queued GPU work (no-op on CPU)."""
    if device.startswith('cuda'):
        torch.cuda.synchronize(device)


def summarize_times(seconds: List[float]) -> Dict[str, object]:
    """Median/mean/min/max in milliseconds plus the raw list."""
    ms = [1000.0 * s for s in seconds]
    return dict(
        median_ms=statistics.median(ms),
        mean_ms=statistics.fmean(ms),
        min_ms=min(ms),
        max_ms=max(ms),
        times_ms=ms)


def time_calls(fn: Callable[[], object], device: str, warmup: int,
               iters: int) -> Dict[str, object]:
    """Time ``fn()``: ``warmup`` untimed calls, then ``iters`` timed."""
    if iters < 1:
        raise ValueError(f'time_calls: iters must be >= 1, got {iters}')
    for _ in range(warmup):
        fn()
    synchronize(device)
    seconds = []
    for _ in range(iters):
        synchronize(device)
        start = time.perf_counter()
        fn()
        synchronize(device)
        seconds.append(time.perf_counter() - start)
    return summarize_times(seconds)


def _proc_status_kb(key: str) -> Optional[float]:
    """A ``kB`` line of /proc/self/status, or None."""
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith(key + ':'):
                    return float(line.split()[1])
    except OSError:
        return None
    return None


def _reset_hwm() -> bool:
    """Reset the RSS high-water mark (Linux >= 4.0); True on success."""
    try:
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')
    except OSError:
        return False
    return _proc_status_kb('VmHWM') is not None


def _maxrss_bytes() -> float:
    """``ru_maxrss`` in bytes (kB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return float(peak) if sys.platform == 'darwin' else peak * _KB


def _trim_heap() -> bool:
    """Return free heap pages to the kernel (glibc); True if it ran."""
    if not sys.platform.startswith('linux'):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library('c') or 'libc.so.6')
        libc.malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (musl has no trim)
        return False
    return True


class PeakMemoryMeter:
    """Peak memory growth between :meth:`start` and :meth:`stop`.

    Args:
        device (str): ``'cpu'`` or ``'cuda[:i]'``.
        fresh_process (bool): Whether the process has run no earlier
            measurement; recorded in the method, since CPU figures from a
            reused process under-count.
    """

    def __init__(self, device: str, fresh_process: bool = True) -> None:
        self.device = device
        self.fresh_process = fresh_process
        self.method = ''
        self._baseline = 0.0

    def start(self) -> None:
        gc.collect()
        shared_cpu = not self.fresh_process and \
            not self.device.startswith('cuda')
        trimmed = shared_cpu and _trim_heap()
        if self.device.startswith('cuda'):
            torch.cuda.init()
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats(self.device)
            self._baseline = float(torch.cuda.memory_allocated(self.device))
            self.method = ('torch.cuda.max_memory_allocated after '
                           'reset_peak_memory_stats, minus the allocation '
                           'at the start')
        elif _reset_hwm():
            self._baseline = _proc_status_kb('VmRSS') * _KB
            self.method = ('RSS high-water mark: VmHWM reset through '
                           '/proc/self/clear_refs, peak VmHWM minus VmRSS '
                           'at the start')
        else:
            rss = _proc_status_kb('VmRSS')
            self._baseline = rss * _KB if rss is not None else 0.0
            self.method = 'getrusage ru_maxrss minus the RSS at the start'
        if shared_cpu:
            self.method += (
                ' (shared process: freed heap of earlier '
                'measurements is reused unseen, may under-count' +
                ('; heap trimmed with malloc_trim first' if trimmed else '') +
                ')')

    def stop(self) -> Dict[str, object]:
        """Peak growth in MiB, plus what the method was."""
        out = dict(method=self.method)
        if self.device.startswith('cuda'):
            peak = float(torch.cuda.max_memory_allocated(self.device))
            out['reserved_mb'] = torch.cuda.max_memory_reserved(
                self.device) / _MB
        else:
            hwm = _proc_status_kb('VmHWM')
            if 'VmHWM' in self.method and hwm is not None:
                peak = hwm * _KB
            else:
                peak = _maxrss_bytes()
        out['peak_mb'] = max(peak - self._baseline, 0.0) / _MB
        return out
