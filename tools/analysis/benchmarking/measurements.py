# Copyright (c) mmseg_ext contributors. All rights reserved.
"""The measurements of ``tools/analysis/benchmark.py``, by *group* (what
one worker process measures for one config, so that no measurement's
memory peak includes another's): ``train`` (mmengine's ``train_step``,
then the losses alone), ``infer_whole``/``infer_slide`` (``predict``),
``static`` (parameters, FLOPs) and ``data`` (``dataset[i]``). Results are
plain dicts; a failed measurement is ``{'error': 'what failed'}``.
"""
import math
import random
from typing import Any, Callable, Dict, Optional, Tuple

import cv2
import numpy as np
import torch
from mmengine.config import Config, ConfigDict
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS
from torch import nn

from mmseg_ext.utils.benchmark import PeakMemoryMeter, time_calls
from .loss_share import measure_loss
from .model_setup import (autocast, build_model, build_train_optim_wrapper,
                          config_crop_size, describe_error, load_config,
                          preprocess)
from .synthetic import required_fields, synthetic_batch

#: Every measurement, in table order.
MEASUREMENTS = ('train', 'loss', 'infer_whole', 'infer_slide', 'params',
                'flops', 'data')
#: Measurements of each worker group.
GROUPS: Dict[str, Tuple[str, ...]] = dict(
    train=('train', 'loss'),
    infer_whole=('infer_whole', ),
    infer_slide=('infer_slide', ),
    static=('params', 'flops'),
    data=('data', ))


def _timed(fn: Callable[[], Any], key: str, meter: PeakMemoryMeter,
           settings: Dict[str, Any], batch_size: int,
           size: Tuple[int, int]) -> Dict[str, Any]:
    """Time ``fn`` (under ``key``), then read the memory peak since the
    meter started; throughput in images/s of ``batch_size``."""
    times = time_calls(fn, settings['device'], settings['warmup'],
                       settings['iters'])
    memory = meter.stop()
    return {
        key: times,
        'images_per_s': batch_size / (times['median_ms'] / 1000.0),
        'batch_size': batch_size,
        'input_size': list(size),
        'peak_memory_mb': memory['peak_mb'],
        'memory': memory
    }


def measure_train(cfg: Config, settings: Dict[str, Any],
                  with_loss: bool) -> Dict[str, Any]:
    """Training step throughput and peak memory (then ``loss``)."""
    size = tuple(settings['input_size'])
    meter = PeakMemoryMeter(settings['device'], settings['fresh_process'])
    meter.start()
    model, info = build_model(cfg, settings, size)
    model.train()
    fields = required_fields(model, cfg.get('train_pipeline'),
                             settings['extra_fields'])
    batch = synthetic_batch(
        settings['batch_size'],
        size,
        info['num_classes'],
        fields=fields,
        seed=settings['seed'])
    optim_wrapper = build_train_optim_wrapper(model, cfg, settings)

    def train_step():
        with optim_wrapper.optim_context(model), autocast(
                settings, optim_wrapper):
            data = preprocess(model, batch, True, settings)
            losses = model._run_forward(data, mode='loss')
        loss, _ = model.parse_losses(losses)
        optim_wrapper.update_params(loss)

    out = dict(_model=info)
    try:
        out['train'] = _timed(train_step, 'step', meter, settings,
                              settings['batch_size'], size)
    except Exception as exc:  # reported per config, the run goes on
        out['train'] = dict(error=describe_error(exc, settings))
        if with_loss:
            out['loss'] = dict(error='needs the train step: ' +
                               out['train']['error'])
        return out
    out['train'].update(
        optim_wrapper=type(optim_wrapper).__name__,
        optimizer=type(optim_wrapper.optimizer).__name__,
        synthetic_fields=['gt_sem_seg'] + fields)
    if with_loss:
        try:
            out['loss'] = measure_loss(model, batch, settings,
                                       out['train']['step']['median_ms'])
        except Exception as exc:
            out['loss'] = dict(error=describe_error(exc, settings))
    return out


def inference_test_cfg(cfg: Config, settings: Dict[str, Any],
                       mode: str) -> dict:
    """The model's ``test_cfg`` switched to ``mode``.

    Slide windows: ``--slide-crop``/``--slide-stride``, else the config's
    slide settings, else its training crop with a stride of 2/3 of it;
    the crop is clipped to the inference size.
    """
    test_cfg = dict(cfg.model.get('test_cfg') or {})
    if mode == 'whole':
        test_cfg['mode'] = 'whole'
        return test_cfg
    size = tuple(settings['infer_size'])
    config_slide = test_cfg.get('mode') == 'slide'
    crop = settings['slide_crop'] or (test_cfg.get('crop_size')
                                      if config_slide else None)
    crop = crop or config_crop_size(cfg) or size
    crop = tuple(min(int(c), s) for c, s in zip(crop, size))
    stride = settings['slide_stride'] or (test_cfg.get('stride')
                                          if config_slide else None)
    stride = stride or tuple(max(1, math.ceil(2 * c / 3)) for c in crop)
    test_cfg.update(mode='slide', crop_size=crop, stride=tuple(stride))
    return test_cfg


def _slide_windows(size: Tuple[int, int], test_cfg: dict) -> int:
    """Number of windows mmseg's ``slide_inference`` runs per image."""
    grids = [
        max(s - c + st - 1, 0) // st + 1
        for s, c, st in zip(size, test_cfg['crop_size'], test_cfg['stride'])
    ]
    return grids[0] * grids[1]


def measure_inference(cfg: Config, settings: Dict[str, Any],
                      mode: str) -> Tuple[Dict[str, Any], dict]:
    """``predict`` throughput and peak memory in ``mode``; the result
    and facts about the model."""
    size = tuple(settings['infer_size'])
    batch_size = settings['infer_batch_size']
    meter = PeakMemoryMeter(settings['device'], settings['fresh_process'])
    meter.start()
    model, info = build_model(cfg, settings, size)
    model.eval()
    test_cfg = inference_test_cfg(cfg, settings, mode)
    model.test_cfg = ConfigDict(test_cfg)
    batch = synthetic_batch(
        batch_size,
        size,
        info['num_classes'],
        with_labels=False,
        seed=settings['seed'])

    def predict():
        with torch.no_grad(), autocast(settings):
            data = preprocess(model, batch, False, settings)
            model._run_forward(data, mode='predict')

    try:
        out = _timed(predict, 'time', meter, settings, batch_size, size)
    except Exception as exc:
        return dict(error=describe_error(exc, settings)), info
    out['test_cfg'] = {
        k: list(v) if isinstance(v, tuple) else v
        for k, v in test_cfg.items()
    }
    if mode == 'slide':
        out['windows_per_image'] = _slide_windows(size, test_cfg)
    return out, info


def count_params(model: nn.Module) -> Dict[str, Any]:
    """Parameter counts, in total and per top-level component."""
    params = list(model.parameters())
    return dict(
        total=sum(p.numel() for p in params),
        trainable=sum(p.numel() for p in params if p.requires_grad),
        by_module={
            name: sum(p.numel() for p in child.parameters())
            for name, child in model.named_children()
            if any(True for _ in child.parameters())
        })


def count_flops(model: nn.Module, info: dict,
                settings: Dict[str, Any]) -> Dict[str, Any]:
    """FLOPs of one image's inference forward (``mode='tensor'``), by
    mmengine's ``FlopAnalyzer`` (the counter behind
    ``get_model_complexity_info``; one multiply-add counts as one FLOP).
    """
    from mmengine.analysis import FlopAnalyzer
    model.eval()
    batch = synthetic_batch(
        1,
        tuple(settings['input_size']),
        info['num_classes'],
        with_labels=False,
        seed=settings['seed'])
    with torch.no_grad():
        inputs = model.data_preprocessor(batch, False)['inputs']
        analyzer = FlopAnalyzer(model, (inputs, ))
        analyzer.unsupported_ops_warnings(False)
        analyzer.uncalled_modules_warnings(False)
        analyzer.tracer_warnings('none')
        total = analyzer.total()
    by_module = analyzer.by_module()
    return dict(
        total=int(total),
        input_size=list(settings['input_size']),
        by_module={
            name: int(by_module[name])
            for name, _ in model.named_children() if by_module.get(name)
        },
        unsupported_ops=dict(analyzer.unsupported_ops()),
        convention='one multiply-add = one FLOP (mmengine/fvcore)')


def measure_data(cfg: Config, settings: Dict[str, Any]) -> Dict[str, Any]:
    """Images/s of ``dataset[i]`` of the train dataset (seeded random
    indices) in one process, like one dataloader worker: one torch thread,
    OpenCV threading off. Missing data raises mmseg's
    ``FileNotFoundError``, which names the path."""
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    if len(dataset) == 0:
        return dict(error='the train dataset is empty')
    torch.set_num_threads(1)
    cv2.setNumThreads(0)
    random.seed(settings['seed'])
    np.random.seed(settings['seed'])
    num = settings['data_samples']
    order = iter(
        np.random.default_rng(settings['seed']).integers(
            0, len(dataset), settings['warmup'] + num).tolist())
    times = time_calls(lambda: dataset[next(order)], 'cpu', settings['warmup'],
                       num)
    return dict(
        per_image=times,
        images_per_s=num / (sum(times['times_ms']) / 1000.0),
        samples=num,
        dataset=type(dataset).__name__,
        dataset_size=len(dataset),
        pipeline=[type(t).__name__ for t in dataset.pipeline.transforms])


def run_group(config: str, cfg_options: Optional[dict], group: str,
              settings: Dict[str, Any]) -> Dict[str, Any]:
    """Measure ``group`` for one config: ``{measurement: result}``, plus
    ``'_model'`` (types, stripped checkpoints) when a model was built."""
    wanted = [m for m in GROUPS[group] if m in settings['measurements']]
    try:
        cfg = load_config(config, cfg_options)
        if group == 'train':
            out = measure_train(cfg, settings, 'loss' in wanted)
            if 'train' not in wanted and 'train' in out:
                out['train']['only_for_loss'] = True
            return out
        if group in ('infer_whole', 'infer_slide'):
            result, info = measure_inference(cfg, settings, group[6:])
            return {group: result, '_model': info}
        if group == 'data':
            return dict(data=measure_data(cfg, settings))
        # Counted eager and in fp32 whatever the timing options.
        eager = dict(settings, compile=False, channels_last=False)
        model, info = build_model(cfg, eager, tuple(settings['input_size']))
        out = dict(_model=info)
        if 'params' in wanted:
            out['params'] = count_params(model)
        if 'flops' in wanted:
            try:
                out['flops'] = count_flops(model, info, settings)
            except Exception as exc:
                out['flops'] = dict(error='FlopAnalyzer failed: ' +
                                    describe_error(exc, settings))
        return out
    except Exception as exc:
        error = describe_error(exc, settings)
        return {name: dict(error=error) for name in wanted}
