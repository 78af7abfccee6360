# Copyright (c) mmseg_ext contributors. All rights reserved.
"""The per-head speed and memory targets (docs/benchmarks.md).

Each :class:`Target` names the configs measured side by side (baseline
first), the measurements and the input size; its :class:`Check` s turn the
benchmark results into one number each, compared with a limit.
``tools/analysis/benchmark_targets.py`` runs them.
"""
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Tuple

from mmengine.config import Config

from .report import _lookup


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


def _value(entry: dict, *path: str) -> Optional[float]:
    return _lookup(entry, tuple(path))


def _ratio(path: Tuple[str, ...],
           index: int = 1) -> Callable[[List[dict]], Optional[float]]:
    """Value of config ``index`` over the baseline's."""

    def compute(entries: List[dict]) -> Optional[float]:
        value = _value(entries[index], *path)
        base = _value(entries[0], *path)
        return value / base if value is not None and base else None

    return compute


def _speedup(path: Tuple[str, ...]) -> Callable[[List[dict]], Optional[float]]:
    """Baseline's time over config 1's (> 1: config 1 is faster)."""

    def compute(entries: List[dict]) -> Optional[float]:
        ratio = _ratio(path)(entries)
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
    loss = _value(entries[1], 'loss', 'decode_head_ms')
    base = _value(entries[0], 'loss', 'decode_head_ms')
    step = _value(entries[1], 'train', 'step', 'median_ms')
    if None in (loss, base, step) or not step:
        return None
    return (loss - base) / step


def _pipeline_overhead(entries: List[dict]) -> Optional[float]:
    """Per-image time with the transforms over without, minus 1."""
    with_ = _value(entries[0], 'data', 'images_per_s')
    without = _value(entries[1], 'data', 'images_per_s')
    if not with_ or not without:
        return None
    return without / with_ - 1.0


TRAIN = ('train', 'step', 'median_ms')
MEMORY = ('train', 'peak_memory_mb')
CITYSCAPES = (512, 1024)

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
               _speedup(('infer_whole', 'time', 'median_ms')), 2.0, 'min'), )),
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
    entries = result['configs']
    verdicts = []
    for check in target.checks:
        value = check.compute(entries)
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
