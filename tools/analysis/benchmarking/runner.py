# Copyright (c) mmseg_ext contributors. All rights reserved.
"""The settings of a side-by-side benchmark, and its orchestration.

Each (config, group) of :data:`~.measurements.GROUPS` runs in its own
worker process forked from a clean ``forkserver`` (no heap shared between
measurements: comparable CPU peak RSS), unless ``isolation='none'``. With
``rounds > 1`` all configs are measured again, in the same order, and
every figure is the median over the rounds.
"""
import argparse
import multiprocessing
import os
import random
import time
import warnings
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch

from .measurements import GROUPS, MEASUREMENTS, run_group
from .model_setup import config_crop_size, load_config
from .report import add_ratios, add_utilization, environment, merge_rounds
from .synthetic import SYNTHETIC_FIELDS

ALIASES = dict(infer=('infer_whole', 'infer_slide'), all=MEASUREMENTS)
DEFAULT_INPUT_SIZE = (512, 1024)


def expand_measurements(names: Sequence[str]) -> Tuple[str, ...]:
    """Resolve aliases (``infer``, ``all``); unknown names are errors."""
    names = [name.strip() for name in names if name.strip()]
    out = [m for name in names for m in ALIASES.get(name, (name, ))]
    unknown = [name for name in out if name not in MEASUREMENTS]
    if unknown:
        raise ValueError(f'benchmark: unknown measurement {unknown}; choose '
                         f'from {", ".join(MEASUREMENTS + tuple(ALIASES))}')
    if not out:
        raise ValueError('benchmark: no measurement selected')
    return tuple(m for m in MEASUREMENTS if m in out)


@dataclass
class BenchmarkSettings:
    """Everything that is the same for every config of a run.

    ``input_size`` defaults to the first config's training crop (its data
    preprocessor's ``size``), else 512x1024; ``infer_size`` to
    ``input_size``. See ``tools/analysis/benchmark.py --help``.
    """
    device: str = 'cpu'
    batch_size: int = 2
    infer_batch_size: int = 1
    input_size: Optional[Tuple[int, int]] = None
    infer_size: Optional[Tuple[int, int]] = None
    warmup: int = 5
    iters: int = 20
    rounds: int = 1
    amp: str = 'none'
    channels_last: bool = False
    compile: bool = False
    measurements: Tuple[str, ...] = MEASUREMENTS
    strip_pretrained: bool = True
    slide_crop: Optional[Tuple[int, int]] = None
    slide_stride: Optional[Tuple[int, int]] = None
    data_samples: int = 20
    threads: Optional[int] = None
    seed: int = 0
    cudnn_benchmark: bool = True
    extra_fields: Tuple[str, ...] = ()
    isolation: str = 'process'
    peak_tflops: Optional[float] = None
    verbose: bool = False
    fresh_process: bool = field(default=True, repr=False)

    @classmethod
    def from_args(cls, args: argparse.Namespace,
                  **overrides: Any) -> 'BenchmarkSettings':
        """The settings of the parsed options named as the fields."""
        names = {f.name for f in fields(cls)} - set(overrides)
        known = {k: v for k, v in vars(args).items() if k in names}
        return cls(**known, **overrides)

    def validate(self) -> None:
        """Raise ``ValueError`` naming the first invalid setting."""
        if self.device != 'cpu' and not self.device.startswith('cuda'):
            raise ValueError(f'benchmark: --device must be cpu or cuda, got '
                             f'{self.device!r}')
        if self.device.startswith('cuda') and not torch.cuda.is_available():
            raise ValueError('benchmark: --device cuda but torch sees no '
                             'CUDA GPU')
        for name, choices in (('amp', ('none', 'fp16', 'bf16')),
                              ('isolation', ('process', 'none'))):
            if getattr(self, name) not in choices:
                raise ValueError(f'benchmark: {name} must be one of '
                                 f'{choices}, got {getattr(self, name)!r}')
        if self.amp == 'fp16' and self.device == 'cpu':
            raise ValueError('benchmark: --amp fp16 needs --device cuda '
                             '(CPU autocast runs bf16)')
        for name in ('batch_size', 'infer_batch_size', 'iters', 'rounds',
                     'data_samples', 'warmup'):
            least = 0 if name == 'warmup' else 1
            if getattr(self, name) < least:
                raise ValueError(f'benchmark: {name} must be >= {least}, '
                                 f'got {getattr(self, name)}')
        if self.compile and self.warmup < 1:
            raise ValueError('benchmark: --compile needs --warmup >= 1 '
                             '(the first call compiles)')
        self.measurements = expand_measurements(self.measurements)
        for name in ('input_size', 'infer_size', 'slide_crop', 'slide_stride'):
            size = getattr(self, name)
            if size is not None and (len(size) != 2 or min(size) < 1):
                raise ValueError(f'benchmark: {name} must be two positive '
                                 f'ints (H W), got {size}')
            setattr(self, name, size and tuple(int(v) for v in size))
        unknown = set(self.extra_fields) - set(SYNTHETIC_FIELDS)
        if unknown:
            raise ValueError(f'benchmark: no synthetic generator for '
                             f'{sorted(unknown)}; registered: '
                             f'{sorted(SYNTHETIC_FIELDS)}')


def _comma_list(text: str) -> Tuple[str, ...]:
    return tuple(item for item in text.split(',') if item)


#: Command-line options of the settings: field -> (flag, add_argument
#: keywords, help); ``default`` is the field's unless given here.
_OPTIONS: Dict[str, Tuple[str, dict, str]] = dict(
    device=('--device', {}, 'cpu or cuda[:i]'),
    batch_size=('--batch-size', dict(type=int),
                'training batch size (1 fails in the BatchNorm of ASPP image '
                'pooling)'),
    infer_batch_size=('--infer-batch-size', dict(type=int),
                      'inference batch size'),
    input_size=('--input-size', dict(type=int, nargs=2, metavar=('H', 'W')),
                "training input size (default: the first config's crop)"),
    infer_size=('--infer-size', dict(type=int, nargs=2, metavar=('H', 'W')),
                'inference input size (default: --input-size)'),
    warmup=('--warmup', dict(type=int), 'untimed iterations'),
    iters=('--iters', dict(type=int), 'timed iterations (median)'),
    rounds=('--rounds', dict(type=int),
            'measure all configs this many times, interleaved, and take the '
            'median over rounds (steadier ratios on a shared machine)'),
    amp=('--amp', dict(choices=['none', 'fp16', 'bf16']),
         'autocast dtype (fp16 needs cuda)'),
    channels_last=('--channels-last', dict(action='store_true'),
                   'channels_last model and inputs'),
    compile=('--compile', dict(action='store_true'),
             'torch.compile backbone, neck and heads'),
    measurements=('--only',
                  dict(type=_comma_list, default='all', metavar='ONLY'),
                  'comma-separated measurements: ' + ','.join(MEASUREMENTS) +
                  ' (infer = infer_whole,infer_slide; all)'),
    slide_crop=('--slide-crop', dict(type=int, nargs=2, metavar=('H', 'W')),
                "slide window (default: the config's slide test_cfg, else "
                'its training crop)'),
    slide_stride=('--slide-stride',
                  dict(type=int, nargs=2, metavar=('H', 'W')),
                  "slide stride (default: the config's, else 2/3 of the "
                  'crop)'),
    data_samples=('--data-samples', dict(type=int),
                  'timed dataset[i] calls of the data-pipeline measurement'),
    threads=('--threads', dict(type=int), "torch threads (default: torch's)"),
    seed=('--seed', dict(type=int), 'seed of the synthetic batches'),
    cudnn_benchmark=('--cudnn-benchmark',
                     dict(action=argparse.BooleanOptionalAction),
                     "torch.backends.cudnn.benchmark (mmseg's default "
                     'runtime)'),
    extra_fields=('--gt-fields',
                  dict(type=_comma_list, default='', metavar='GT_FIELDS'),
                  'extra synthetic ground-truth fields to add to every '
                  'training batch (comma-separated; needed ones are '
                  'detected)'),
    isolation=('--isolation', dict(choices=['process', 'none']),
               'one fresh worker process per config and measurement '
               '(needed for CPU peak memory), or all in this process'),
    peak_tflops=('--peak-tflops', dict(type=float),
                 'dense peak of the device (e.g. bf16), to report model '
                 'FLOPs utilisation'),
    verbose=('--verbose', dict(action='store_true'), 'keep library warnings'))


def add_settings_arguments(parser: argparse.ArgumentParser,
                           names: Optional[Sequence[str]] = None,
                           **defaults: Any) -> None:
    """Add the options of the settings ``names`` (default: all) to
    ``parser``, ``defaults`` replacing the fields' defaults; read them
    back with :meth:`BenchmarkSettings.from_args`."""
    field_defaults = {f.name: f.default for f in fields(BenchmarkSettings)}
    for name in names or _OPTIONS:
        flag, keywords, help_text = _OPTIONS[name]
        options = {'default': field_defaults[name], **keywords}
        if name in defaults:
            options['default'] = defaults[name]
        parser.add_argument(flag, dest=name, help=help_text, **options)
    if names is None:
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
            help="load the configs' checkpoints (may download)")


def setup_worker(settings: Dict[str, Any]) -> None:
    """Threads, seeds, registries and warnings of a measuring process."""
    from mmseg.utils import register_all_modules
    if not settings['verbose']:
        warnings.simplefilter('ignore')
    if settings['threads']:
        torch.set_num_threads(settings['threads'])
    if settings['device'].startswith('cuda:'):
        torch.cuda.set_device(settings['device'])
    torch.backends.cudnn.benchmark = settings['cudnn_benchmark']
    torch.manual_seed(settings['seed'])
    np.random.seed(settings['seed'])
    random.seed(settings['seed'])
    register_all_modules(init_default_scope=True)


def _run_in_worker(context, *args: Any) -> Dict[str, Any]:
    """:func:`run_group` in a fresh worker process; its failure (or death:
    out of memory?) is reported per measurement."""
    with ProcessPoolExecutor(
            1, context, initializer=setup_worker,
            initargs=(args[-1], )) as pool:
        try:
            return pool.submit(run_group, *args).result()
        except BrokenProcessPool:
            return dict(_failure='the worker process died (out of memory?) '
                        'or failed to start (its error is printed above)')
        except Exception as exc:
            return dict(_failure=f'{type(exc).__name__}: {exc}'[:300])


def run_benchmark(
    configs: Sequence[str],
    settings: BenchmarkSettings,
    cfg_options: Union[None, dict,
                       List[Optional[dict]]] = None) -> Dict[str, Any]:
    """Measure every config with the same settings (``cfg_options``
    merged into every config, or one per config): ``environment``,
    ``settings`` and one entry per config (raw numbers, ``ratios`` to the
    first config, errors as ``{'error': ...}``)."""
    if not configs:
        raise ValueError('benchmark: give at least one config')
    settings.validate()
    if not isinstance(cfg_options, list):
        cfg_options = [cfg_options] * len(configs)
    cfgs = [load_config(*pair) for pair in zip(configs, cfg_options)]
    if settings.input_size is None:
        settings.input_size = config_crop_size(cfgs[0]) or DEFAULT_INPUT_SIZE
    if settings.infer_size is None:
        settings.infer_size = settings.input_size
    settings.fresh_process = settings.isolation == 'process'
    plain = asdict(settings)
    groups = [
        g for g, names in GROUPS.items()
        if any(n in settings.measurements for n in names)
    ]
    context = None
    if settings.isolation == 'process':
        method = ('forkserver' if 'forkserver'
                  in multiprocessing.get_all_start_methods() else 'spawn')
        context = multiprocessing.get_context(method)
        if method == 'forkserver':
            context.set_forkserver_preload([__name__])
    else:
        setup_worker(plain)
    rounds = [[{} for _ in configs] for _ in range(settings.rounds)]
    models: Dict[int, dict] = {}
    seconds = [defaultdict(float) for _ in configs]
    for results in rounds:
        for index, path in enumerate(configs):
            for group in groups:
                start = time.perf_counter()
                if context is not None:
                    result = _run_in_worker(context, path, cfg_options[index],
                                            group, plain)
                else:
                    result = run_group(path, cfg_options[index], group, plain)
                failure = result.pop('_failure', None)
                if failure:
                    result = {
                        name: dict(error=failure)
                        for name in GROUPS[group]
                        if name in settings.measurements
                    }
                model = result.pop('_model', None)
                if model:
                    models.setdefault(index, model)
                results[index].update(result)
                seconds[index][group] += time.perf_counter() - start
    entries = []
    for index, path in enumerate(configs):
        entry = dict(
            config=path,
            name=os.path.splitext(os.path.basename(path))[0],
            model=models.get(index),
            rounds=settings.rounds,
            group_seconds=seconds[index])
        entry.update(merge_rounds([results[index] for results in rounds]))
        add_utilization(entry, settings.peak_tflops)
        entries.append(entry)
    add_ratios(entries)
    return dict(
        tool='mmseg_ext tools/analysis/benchmark.py',
        environment=environment(settings.device, settings.threads),
        settings=plain,
        configs=entries)
