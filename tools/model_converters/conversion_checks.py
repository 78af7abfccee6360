# Copyright (c) mmseg_ext contributors. All rights reserved.
"""What every checkpoint converter of this folder shares.

The converters (``gscnn2mmseg.py``, ``semseg2mmseg.py``,
``refinenet2mmseg.py``, ``lwrefinenet2mmseg.py``) import this module by
name: a script's own folder is on ``sys.path``. It holds

* :class:`ConversionError`, the one error type of a failed conversion;
* :func:`build_target_model`, the model of a config (on the ``meta`` device:
  keys and shapes only), with the class count of the checkpoint checked
  against the config's when the user gave the config;
* :func:`check_against_model`, the key / shape report: every missing,
  unexpected and wrongly shaped tensor is listed, and nothing is written;
* :func:`save_converted`, :func:`converter_arg_parser` and
  :func:`run_conversion`, the common write, command line and error
  handling.

No converter writes a file before :func:`check_against_model` has passed.
"""
import argparse
import os.path as osp
import sys
from collections import OrderedDict
from typing import Callable, Dict, Iterable, Mapping, Optional

import torch

#: ``configs/`` next to ``tools/`` (in the repository and in the installed
#: package's ``.mim`` folder alike).
CONFIG_ROOT = osp.join(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'configs')
#: BatchNorm counters that old PyTorch and torch-encoding checkpoints lack.
OPTIONAL_SUFFIX = 'num_batches_tracked'
#: Problems listed per kind before "... and N more".
MAX_LISTED = 30


class ConversionError(ValueError):
    """A checkpoint does not fit the converter's layout or the target model.

    The message names every offending key with the expected and the actual
    value; the converter has written nothing.
    """


def config_path(*parts: str) -> str:
    """Path of a shipped config, e.g. ``config_path('gscnn', 'x.py')``."""
    return osp.join(CONFIG_ROOT, *parts)


def strip_module_prefix(
        state_dict: Mapping[str, object]) -> 'OrderedDict[str, object]':
    """Remove the ``module.`` prefix of (Distributed)DataParallel keys."""
    return OrderedDict(
        (k[len('module.'):] if k.startswith('module.') else k, v)
        for k, v in state_dict.items())


def load_checkpoint_file(path: str, weights_only: bool = True) -> object:
    """``torch.load`` on the CPU, with a :class:`ConversionError` that says
    what to do when the weights-only loader refuses the file."""
    if not osp.isfile(path):
        raise ConversionError(f'{path}: no such file')
    try:
        return torch.load(path, map_location='cpu', weights_only=weights_only)
    except Exception as err:  # unpickling errors of any kind
        first_line = (str(err).splitlines() or [''])[0]
        hint = (' If you trust the file, rerun with --no-weights-only.'
                if weights_only else '')
        raise ConversionError(
            f'{path} could not be read with torch.load('
            f'weights_only={weights_only}) '
            f'({type(err).__name__}: {first_line}).{hint}') from err


def build_target_model(config: str,
                       num_classes: int,
                       overrides: Optional[Callable] = None,
                       check_classes: bool = True,
                       device: str = 'meta') -> torch.nn.Module:
    """The model of ``config``, to check converted keys and shapes against.

    Args:
        config (str): Path of the target config.
        num_classes (int): Classes of the checkpoint (rows of its
            classifier).
        overrides (callable, optional): ``f(cfg.model)`` applied before the
            build, e.g. to set the backbone depth of a default config.
        check_classes (bool): Raise when the config's ``num_classes`` (of
            the decode head and of every auxiliary head) differs from
            ``num_classes``, instead of overriding it. True for a config
            the user chose; False for a converter's default config, which
            takes the checkpoint's class count.
        device (str): ``'meta'`` (default) builds keys and shapes only.

    Returns:
        nn.Module: The segmentor, weights not initialised.

    Raises:
        ConversionError: If the config cannot be read or its class count
            differs from the checkpoint's.
    """
    import mmseg_ext  # noqa: F401  # isort: skip  (registers, before mmseg)
    from mmengine.config import Config
    from mmseg.registry import MODELS
    from mmseg.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    if not osp.isfile(config):
        raise ConversionError(f'config {config}: no such file')
    cfg = Config.fromfile(config)
    model_cfg = cfg.model
    model_cfg.pretrained = None
    if model_cfg.get('backbone') is not None:
        model_cfg.backbone.init_cfg = None
    heads = [('decode_head', model_cfg.decode_head)]
    aux = model_cfg.get('auxiliary_head')
    if isinstance(aux, (list, tuple)):
        heads += [(f'auxiliary_head[{i}]', h) for i, h in enumerate(aux)]
    elif aux is not None:
        heads.append(('auxiliary_head', aux))
    for name, head in heads:
        if not check_classes:
            head.num_classes = num_classes
        elif head.get('num_classes') != num_classes:
            raise ConversionError(
                f'the checkpoint predicts {num_classes} classes but '
                f'{name}.num_classes of {config} is '
                f'{head.get("num_classes")}; nothing was written. Pass a '
                f'config for {num_classes} classes.')
    if overrides is not None:
        overrides(model_cfg)
    with torch.device(device):
        return MODELS.build(model_cfg)


def _listing(title: str, items: Iterable[str]) -> list:
    items = list(items)
    if not items:
        return []
    lines = [f'{len(items)} {title}:']
    lines += [f'  {item}' for item in items[:MAX_LISTED]]
    if len(items) > MAX_LISTED:
        lines.append(f'  ... and {len(items) - MAX_LISTED} more')
    return lines


def check_against_model(converted: Mapping[str, torch.Tensor],
                        model: torch.nn.Module,
                        source: str,
                        unmapped: Iterable[str] = (),
                        origins: Optional[Mapping[str, str]] = None,
                        hint: str = '') -> 'OrderedDict[str, torch.Tensor]':
    """Check converted tensors against the target model's state dict.

    Args:
        converted (Mapping[str, Tensor]): Our key -> tensor.
        model (nn.Module): The target model (e.g. on the ``meta`` device).
        source (str): The checkpoint's name, for the message.
        unmapped (Iterable[str]): Official keys the converter has no rule
            for; each is reported.
        origins (Mapping[str, str], optional): Our key -> official key, to
            name both in the report.
        hint (str): A last line for the message (e.g. which converter fits).

    Returns:
        OrderedDict[str, Tensor]: ``converted`` in the model's key order,
        missing ``num_batches_tracked`` counters filled with 0, ready for a
        strict ``load_state_dict``.

    Raises:
        ConversionError: Listing the missing keys, the unexpected keys and
            every shape mismatch as ``key: expected (...) by the model, got
            (...)``.
    """
    origins = origins or {}
    expected = model.state_dict()

    def name(key: str) -> str:
        return f'{key} (from {origins[key]})' if key in origins else key

    missing = [
        k for k in expected
        if k not in converted and not k.endswith(OPTIONAL_SUFFIX)
    ]
    unexpected = [f'{k} (official key, no rule)' for k in unmapped]
    unexpected += [
        f'{name(k)} (not in the {type(model).__name__} of the config)'
        for k in converted if k not in expected
    ]
    shapes = [
        f'{name(k)}: expected {tuple(expected[k].shape)} by the model, got '
        f'{tuple(v.shape)}' for k, v in converted.items()
        if k in expected and tuple(v.shape) != tuple(expected[k].shape)
    ]
    if missing or unexpected or shapes:
        lines = [
            f'{source} does not fit the target model; nothing was '
            'written.'
        ]
        lines += _listing('missing keys', missing)
        lines += _listing('unexpected keys', unexpected)
        lines += _listing('shape mismatches', shapes)
        if hint:
            lines.append(hint)
        raise ConversionError('\n'.join(lines))
    return OrderedDict(
        (k,
         converted[k] if k in converted else torch.zeros((), dtype=torch.long))
        for k in expected)


def save_converted(state_dict: Dict[str, torch.Tensor], meta: dict,
                   dst: str) -> None:
    """Write ``{'state_dict', 'meta'}`` (mmengine's checkpoint layout),
    creating the output folder."""
    from mmengine.utils import mkdir_or_exist
    mkdir_or_exist(osp.dirname(osp.abspath(dst)))
    torch.save(dict(state_dict=state_dict, meta=meta), dst)


def converter_arg_parser(
        description: str,
        default_config: str,
        taken: str = 'number of classes') -> argparse.ArgumentParser:
    """The command line every converter shares: ``SRC DST [--config]``.

    Args:
        description (str): What the converter converts.
        default_config (str): Config used without ``--config``.
        taken (str): What the default config takes from the checkpoint.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('src', help='official checkpoint')
    parser.add_argument('dst', help='output checkpoint path')
    parser.add_argument(
        '--config',
        help='config of the target model; its num_classes must be the '
        f'checkpoint\'s (default: {default_config}, with the checkpoint\'s '
        f'{taken})')
    return parser


def run_conversion(convert: Callable[[], str]) -> int:
    """Run ``convert`` (which returns a summary line) for a command line:
    0 on success; a :class:`ConversionError` is printed to stderr as
    ``error: ...`` (saying that nothing was written) and gives 1."""
    try:
        summary = convert()
    except ConversionError as err:
        message = str(err)
        if 'nothing was written' not in message.lower():
            message += '\nNothing was written.'
        print(f'error: {message}', file=sys.stderr)
        return 1
    print(summary)
    return 0
