# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Building a segmentor from a config the way the benchmark measures it:
pretrained checkpoints stripped (random init times the same), SyncBN as
BN, the data preprocessor padding to the benchmark's input size, and the
same device, channels_last, ``torch.compile`` and AMP for every model.
"""
import contextlib
import copy
import logging
from typing import Any, ContextManager, Dict, List, Optional, Tuple

import torch
from mmengine.config import Config, ConfigDict
from mmengine.logging import MMLogger
from mmengine.model import revert_sync_batchnorm
from mmengine.optim import AmpOptimWrapper, OptimWrapper, build_optim_wrapper
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS
from torch import nn

#: Optimizer when a config has no ``optim_wrapper`` (mmseg's schedules).
DEFAULT_OPTIM_WRAPPER = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4))
_AMP_DTYPES = dict(fp16=torch.float16, bf16=torch.bfloat16)


def load_config(path: str, cfg_options: Optional[dict] = None) -> Config:
    """Read ``path`` and merge ``--cfg-options`` into it."""
    cfg = Config.fromfile(path)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if 'model' not in cfg:
        raise KeyError(f'benchmark: config {path!r} has no `model`')
    return cfg


def _loads_checkpoint(init_cfg: Any) -> bool:
    """Whether an ``init_cfg`` entry loads weights from a file or URL."""
    return isinstance(init_cfg, dict) and (init_cfg.get('type') == 'Pretrained'
                                           or 'checkpoint' in init_cfg)


def strip_pretrained(cfg: Any, prefix: str = 'model') -> List[str]:
    """Drop ``pretrained=...`` and ``init_cfg=dict(type='Pretrained')`` in
    place; returns what was removed (``'path: checkpoint'``)."""
    removed = []
    if isinstance(cfg, dict):
        for key in list(cfg.keys()):
            value, where = cfg[key], f'{prefix}.{key}'
            if key == 'pretrained' and value:
                removed.append(f'{where}: {value}')
                cfg[key] = None
            elif key == 'init_cfg' and value:
                inits = value if isinstance(value, list) else [value]
                loads = [i for i in inits if _loads_checkpoint(i)]
                if loads:
                    removed += [
                        f'{where}: {i.get("checkpoint")}' for i in loads
                    ]
                    kept = [i for i in inits if not _loads_checkpoint(i)]
                    cfg[key] = kept if isinstance(value, list) else None
            else:
                removed += strip_pretrained(value, where)
    elif isinstance(cfg, (list, tuple)):
        for i, value in enumerate(cfg):
            removed += strip_pretrained(value, f'{prefix}[{i}]')
    return removed


def config_crop_size(cfg: Config) -> Optional[Tuple[int, int]]:
    """The (H, W) the config trains at (its data preprocessor's size)."""
    size = (cfg.model.get('data_preprocessor') or {}).get('size')
    if size is None:
        size = cfg.get('crop_size')
    return tuple(int(s) for s in size) if size is not None else None


def compile_submodules(model: nn.Module) -> List[str]:
    """``torch.compile`` the ``forward`` of backbone, neck and heads.

    Heads are entered through ``loss``/``predict``, which call
    ``self.forward`` directly, so the bound ``forward`` is replaced rather
    than the module's ``__call__``. Losses and post-processing stay eager.
    """
    compiled = []
    for name in ('backbone', 'neck', 'decode_head', 'auxiliary_head'):
        module = getattr(model, name, None)
        if module is None:
            continue
        parts = (
            list(module) if isinstance(module, nn.ModuleList) else [module])
        for i, part in enumerate(parts):
            part.forward = torch.compile(part.forward)
            compiled.append(name if len(parts) == 1 else f'{name}.{i}')
    return compiled


def build_model(cfg: Config, settings: Dict[str, Any],
                input_size: Tuple[int, int]) -> Tuple[nn.Module, dict]:
    """Build, initialise and place ``cfg.model`` for measuring; returns it
    and facts about it (types, stripped checkpoints, compiled parts)."""
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    model_cfg = copy.deepcopy(cfg.model)
    stripped = (
        strip_pretrained(model_cfg) if settings['strip_pretrained'] else [])
    preprocessor = model_cfg.get('data_preprocessor')
    if preprocessor is not None:
        preprocessor['size'] = tuple(input_size)
        preprocessor['size_divisor'] = None
    model = MODELS.build(model_cfg)
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(logging.WARNING)  # not every parameter's init at INFO
    try:
        model.init_weights()
    finally:
        logger.setLevel(level)
    model = revert_sync_batchnorm(model)
    model.to(settings['device'])
    if settings['channels_last']:
        model.to(memory_format=torch.channels_last)
    compiled = compile_submodules(model) if settings['compile'] else []
    decode_head = getattr(model, 'decode_head', None)
    info = dict(
        type=type(model).__name__,
        decode_head=type(decode_head).__name__ if decode_head else None,
        num_classes=int(
            getattr(model, 'num_classes', getattr(decode_head, 'num_classes',
                                                  0))),
        stripped_checkpoints=stripped,
        compiled=compiled)
    return model, info


def autocast(settings: Dict[str, Any],
             optim_wrapper: Optional[OptimWrapper] = None) -> ContextManager:
    """``torch.autocast`` for ``--amp fp16/bf16``, else (or when
    ``optim_wrapper`` autocasts itself) a no-op."""
    if settings['amp'] == 'none' or isinstance(optim_wrapper, AmpOptimWrapper):
        return contextlib.nullcontext()
    device_type = 'cuda' if settings['device'].startswith('cuda') else 'cpu'
    return torch.autocast(
        device_type=device_type, dtype=_AMP_DTYPES[settings['amp']])


def build_train_optim_wrapper(model: nn.Module, cfg: Config,
                              settings: Dict[str, Any]) -> OptimWrapper:
    """The config's optimizer (SGD if none) in mmengine's
    ``AmpOptimWrapper`` for ``--amp`` on CUDA (as ``tools/train.py --amp``
    trains), else in a plain ``OptimWrapper`` (on CPU the step runs under
    :func:`autocast`)."""
    wrapper_cfg = copy.deepcopy(
        cfg.get('optim_wrapper', None) or DEFAULT_OPTIM_WRAPPER)
    if wrapper_cfg.get('type',
                       'OptimWrapper') in ('AmpOptimWrapper', 'OptimWrapper'):
        for key in ('loss_scale', 'dtype', 'use_fsdp'):
            wrapper_cfg.pop(key, None)
        wrapper_cfg['type'] = 'OptimWrapper'
        if settings['amp'] != 'none' and settings['device'].startswith('cuda'):
            wrapper_cfg['type'] = 'AmpOptimWrapper'
            wrapper_cfg['dtype'] = ('float16' if settings['amp'] == 'fp16' else
                                    'bfloat16')
            if settings['amp'] == 'fp16':
                wrapper_cfg['loss_scale'] = 'dynamic'
    return build_optim_wrapper(model, ConfigDict(wrapper_cfg))


def preprocess(model: nn.Module, batch: dict, training: bool,
               settings: Dict[str, Any]) -> dict:
    """The data preprocessor, then channels_last inputs if asked."""
    data = model.data_preprocessor(batch, training)
    if settings['channels_last']:
        data['inputs'] = data['inputs'].contiguous(
            memory_format=torch.channels_last)
    return data


def describe_error(exc: BaseException, settings: Dict[str, Any]) -> str:
    """One line naming the failure (``torch.compile`` ones marked)."""
    lines = str(exc).strip().splitlines()
    text = f'{type(exc).__name__}: {lines[0] if lines else ""}'.strip()
    compile_error = type(exc).__module__.startswith(
        ('torch._dynamo', 'torch._inductor'))
    if settings.get('compile') and compile_error:
        text = 'torch.compile failed: ' + text
    return text[:300]
