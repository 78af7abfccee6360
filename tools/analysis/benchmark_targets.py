# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Measure the speed and memory targets of docs/benchmarks.md: each
compares a head of this package with its mmseg baseline on the same
backbone and input, side by side in one run of ``benchmark.py``'s engine,
and prints the measured ratio, the limit and whether it is met.
"""
import argparse
import os.path as osp
import tempfile
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Tuple

import mmseg
from mmengine.config import Config

import mmseg_ext  # noqa: F401  (registration and stack fixes)
from mmseg_ext.demo import generate_demo_cityscapes
from benchmarking.report import format_table, lookup
from benchmarking.run_results import write_outputs
from benchmarking.runner import (BenchmarkSettings, add_settings_arguments,
                                 run_benchmark)

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MMSEG_CONFIGS = osp.join(osp.dirname(mmseg.__file__), '.mim', 'configs')


class Check(NamedTuple):
    """One number computed from a target's results, and its limit."""
    label: str
    compute: Callable[[List[dict]], Optional[float]]
    limit: float
    #: 'max': the value must be <= limit; 'min': >= limit.
    bound: str = 'max'


class Target(NamedTuple):
    description: str
    configs: Tuple[str, ...]
    measurements: Tuple[str, ...]
    input_size: Tuple[int, int]
    checks: Tuple[Check, ...]
    #: 'models': configs compared; 'pipeline': configs[0]'s train
    #: pipeline with and without the ``removed`` transforms.
    kind: str = 'models'
    removed: Tuple[str, ...] = ()


CITYSCAPES = (512, 1024)
TRAIN, MEMORY = 'train_step_time', 'train_memory'


def _ratio(name: str,
           index: int = 1) -> Callable[[List[dict]], Optional[float]]:
    """Config ``index``'s ratio ``name`` to the baseline (``ratios`` of
    :func:`benchmarking.report.add_ratios`)."""
    return lambda entries: lookup(entries[index], ('ratios', name))


def _speedup(name: str) -> Callable[[List[dict]], Optional[float]]:
    """The inverse of config 1's ratio (> 1: config 1 is faster)."""

    def compute(entries: List[dict]) -> Optional[float]:
        ratio = _ratio(name)(entries)
        return 1.0 / ratio if ratio else None

    return compute


def _extra_loss_share(entries: List[dict]) -> Optional[float]:
    """(candidate's decode-head loss time - baseline's) / candidate step.

    Both heads compute mmseg's cross-entropy on logits of the same size;
    the difference is what the extra loss terms cost. Reported as
    measured: a negative share (the candidate's losses timed faster than
    the baseline's, i.e. timing noise larger than the extra terms) stays
    negative, so the table shows the noise instead of a flattering 0.
    """
    base, loss = (lookup(e, ('loss', 'decode_head_ms')) for e in entries[:2])
    step = lookup(entries[1], ('train', 'step', 'median_ms'))
    if None in (loss, base) or not step:
        return None
    return (loss - base) / step


def _pipeline_overhead(entries: List[dict]) -> Optional[float]:
    """Per-image time with the transforms over without, minus 1."""
    with_, without = (lookup(e, ('data', 'images_per_s')) for e in entries)
    if not with_ or not without:
        return None
    return without / with_ - 1.0


TARGETS: Dict[str, Target] = dict(
    gscnn=Target(
        'Gated-SCNN (shape stream + GSCNNHead) vs DeepLabV3+, R-101-D8; '
        'the targets hold for the stream at 1/2 resolution (gscnn-s2), '
        'the paper\'s full-resolution stream is reported alongside',
        ('mmseg::deeplabv3plus/deeplabv3plus_r101-d8_4xb2-80k_'
         'cityscapes-512x1024.py',
         'configs/gscnn/gscnn-s2_r101-d8_4xb2-80k_cityscapes-512x1024.py',
         'configs/gscnn/gscnn_r101-d8_4xb2-80k_cityscapes-512x1024.py'),
        ('train', 'loss'), CITYSCAPES,
        (Check('train step, GSCNN / DeepLabV3+', _ratio(TRAIN), 1.25),
         Check('train memory, GSCNN / DeepLabV3+', _ratio(MEMORY), 1.3),
         Check('dual-task + boundary losses, share of the GSCNN step',
               _extra_loss_share, 0.10),
         Check('train step, GSCNN full-resolution stream / DeepLabV3+',
               _ratio(TRAIN, 2), 1.25),
         Check('train memory, GSCNN full-resolution stream / DeepLabV3+',
               _ratio(MEMORY, 2), 1.3))),
    gscnn_camvid=Target(
        'Gated-SCNN vs DeepLabV3+ on the CamVid configs (half-width '
        'ResNetV1c-18, 256x256; measure with --batch-size 4 as trained)',
        ('configs/camvid/deeplabv3plus_r18-c32-d16_1xb4-1500it_camvid-'
         '256x256.py',
         'configs/camvid/gscnn_r18-c32-d16_1xb4-1500it_camvid-256x256.py',
         'configs/camvid/gscnn-deeplabv3plus_r18-c32-d16_1xb4-1500it_'
         'camvid-256x256.py'), ('train', ), (256, 256),
        (Check('train step, GSCNNHead / DeepLabV3+ (CamVid)', _ratio(TRAIN),
               1.25),
         Check('train step, GSCNNSepASPPHead / DeepLabV3+ (CamVid)',
               _ratio(TRAIN, 2), 1.25))),
    psp_upsample=Target(
        'PSPUpsampleHead vs PSPHead, R-101-D8',
        ('mmseg::pspnet/pspnet_r101-d8_4xb2-80k_cityscapes-512x1024.py',
         'configs/pspnet/psp-upsample_r101-d8_4xb2-80k_cityscapes-'
         '512x1024.py'), ('train', ), CITYSCAPES, (Check(
             'train step, PSPUpsampleHead / PSPHead', _ratio(TRAIN), 1.1), )),
    refinenet=Target(
        'RefineNetHead vs UPerHead at equal widths (256), R-101',
        ('configs/refinenet/upernet-c256_r101_4xb2-80k_cityscapes-'
         '512x1024.py',
         'configs/refinenet/refinenet_r101-d32_4xb2-80k_cityscapes-'
         '512x1024.py',
         'configs/refinenet/refinenet-cp_r101-d32_4xb2-80k_cityscapes-'
         '512x1024.py'), ('train', ), CITYSCAPES,
        (Check('train step, RefineNetHead / UPerHead', _ratio(TRAIN), 1.2),
         Check('train memory, RefineNetHead / UPerHead', _ratio(MEMORY), 1.2),
         Check('train step, RefineNetHead with_cp=True / UPerHead',
               _ratio(TRAIN, 2), 1.2),
         Check('train memory, RefineNetHead with_cp=True / UPerHead',
               _ratio(MEMORY, 2), 1.2))),
    lw_refinenet=Target(
        'Light-Weight RefineNet vs RefineNet inference, R-101, 512x512',
        ('configs/refinenet/refinenet_r101b-d32_4xb4-40k_voc12aug-'
         '512x512.py',
         'configs/refinenet/lw-refinenet_r101b-d32_4xb4-40k_voc12aug-'
         '512x512.py'), ('infer_whole', ), (512, 512),
        (Check('whole-model inference speed-up, LW / full',
               _speedup('infer_whole_time'), 2.0, 'min'), )),
    pipeline=Target(
        'Cityscapes train pipeline: cost of the edge ground truth',
        ('configs/gscnn/gscnn_r101-d8_4xb2-80k_cityscapes-512x1024.py', ),
        ('data', ),
        CITYSCAPES, (Check('GenerateSegBoundary, extra per-image CPU time',
                           _pipeline_overhead, 0.15), ),
        kind='pipeline',
        removed=('GenerateSegBoundary', )),
)


def pipeline_without(config: str, removed: Tuple[str, ...]) -> dict:
    """``cfg_options`` replacing the config's train pipeline by a copy
    without the ``removed`` transform types."""
    cfg = Config.fromfile(config)
    pipeline = cfg.train_dataloader.dataset.pipeline
    kept = [t for t in pipeline if t['type'] not in removed]
    if len(kept) == len(pipeline):
        raise ValueError(f'{config}: the train pipeline has none of '
                         f'{list(removed)}')
    return {'train_dataloader.dataset.pipeline': kept}


def evaluate_target(name: str, target: Target,
                    result: Dict[str, Any]) -> List[dict]:
    """One verdict per check: value, limit, met (None: not measured)."""
    verdicts = []
    for check in target.checks:
        value = check.compute(result['configs'])
        met = None
        if value is not None:
            met = (
                value <= check.limit
                if check.bound == 'max' else value >= check.limit)
        verdicts.append(
            dict(
                target=name,
                check=check.label,
                value=value,
                limit=check.limit,
                bound=check.bound,
                met=met))
    return verdicts


def format_targets(verdicts: List[dict]) -> str:
    """Markdown table of the verdicts."""
    lines = ['| target | measured | limit | met |', '|---|---:|---:|---|']
    for v in verdicts:
        value = 'n/a' if v['value'] is None else f"{v['value']:.3f}"
        limit = ('<= ' if v['bound'] == 'max' else '>= ') + f"{v['limit']}"
        met = {True: 'yes', False: 'NO', None: 'n/a'}[v['met']]
        lines.append(f"| {v['check']} | {value} | {limit} | {met} |")
    return '\n'.join(lines)


def resolve(config: str) -> str:
    """``mmseg::x.py`` -> mmseg's installed config; else repo-relative."""
    if config.startswith('mmseg::'):
        return osp.join(MMSEG_CONFIGS, config[len('mmseg::'):])
    return osp.join(REPO_ROOT, config)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Measure the per-head speed and memory targets',
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    add_settings_arguments(
        parser, ('device', 'batch_size', 'warmup', 'iters', 'rounds', 'amp',
                 'channels_last', 'threads', 'data_samples', 'peak_tflops',
                 'isolation'),
        warmup=2,
        iters=5,
        data_samples=16)
    parser.add_argument(
        '--only',
        default=','.join(TARGETS),
        help='comma-separated targets: ' + ', '.join(TARGETS))
    parser.add_argument(
        '--data-root',
        help='Cityscapes-layout data for the pipeline target (default: a '
        'few synthetic 1024x2048 street scenes generated into a temporary '
        'folder)')
    parser.add_argument('--out', help='write all results as JSON')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> Dict[str, Any]:
    args = parse_args(argv)
    names = [n for n in args.only.split(',') if n]
    unknown = sorted(set(names) - set(TARGETS))
    if unknown:
        raise SystemExit(f'--only: unknown targets {unknown}; known: '
                         f'{sorted(TARGETS)}')
    runs: Dict[str, Any] = {}
    verdicts = []
    for name in names:
        target = TARGETS[name]
        configs = [resolve(c) for c in target.configs]
        cfg_options: List[Optional[dict]] = [None] * len(configs)
        if target.kind == 'pipeline':  # one config, with and without
            data_root = args.data_root or generate_demo_cityscapes(
                osp.join(tempfile.mkdtemp(prefix='targets_'), 'cityscapes'),
                seed=0,
                num_train=args.data_samples,
                num_val=1,
                size=(1024, 2048))
            data = {'train_dataloader.dataset.data_root': data_root}
            configs = [configs[0], configs[0]]
            cfg_options = [
                data,
                dict(data, **pipeline_without(configs[0], target.removed))
            ]
        settings = BenchmarkSettings.from_args(
            args,
            input_size=target.input_size,
            infer_size=target.input_size,
            measurements=target.measurements)
        print(f'[targets] {name}: {target.description}', flush=True)
        result = run_benchmark(configs, settings, cfg_options)
        if target.kind == 'pipeline':
            result['configs'][1]['name'] += ' (without ' + ', '.join(
                target.removed) + ')'
        print(format_table(result), flush=True)
        runs[name] = result
        verdicts.extend(evaluate_target(name, target, result))
    results = dict(targets=verdicts, runs=runs)
    write_outputs(format_targets(verdicts), None, results, args.out)
    return results


if __name__ == '__main__':
    main()
