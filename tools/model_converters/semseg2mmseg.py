# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Convert hszhao/semseg PSPNet checkpoints to mmseg's PSPNet.

The official PyTorch PSPNet (hszhao/semseg, ``model/pspnet.py`` and
``model/resnet.py``) is a deep-stem dilated ResNet, a pyramid pooling module,
a classifier and an auxiliary classifier on layer3. It maps one to one onto
``EncoderDecoder`` with mmseg's ``ResNetV1c`` (``stem_channels=128``,
``contract_dilation=False``), ``PSPHead`` (``channels=512``) and an
``FCNHead`` auxiliary head (``num_convs=1``, ``concat_input=False``)::

    layer0.{0,3,6}          (stem convs)     -> backbone.stem.{0,3,6}
    layer0.{1,4,7}          (stem BNs)       -> backbone.stem.{1,4,7}
    layer{1-4}.*                             -> backbone.layer{1-4}.*
    ppm.features.{i}.1      (1x1 conv)       -> decode_head.psp_modules.{i}.1
                                                .conv
    ppm.features.{i}.2      (BN)             -> decode_head.psp_modules.{i}.1
                                                .bn
    cls.0 / cls.1           (3x3 conv, BN)   -> decode_head.bottleneck
                                                .conv / .bn
    cls.4                   (1x1 classifier) -> decode_head.conv_seg
    aux.0 / aux.1           (3x3 conv, BN)   -> auxiliary_head.convs.0
                                                .conv / .bn
    aux.4                   (1x1 classifier) -> auxiliary_head.conv_seg

The ``module.`` prefix of (Distributed)DataParallel checkpoints is removed
and a ``{'state_dict': ...}`` wrapper is unwrapped. The ResNet depth (50,
101, 152) is read off the block counts. Before anything is written the key
set is checked against the full PSPNet layout (a checkpoint of another model
fails with the missing and unexpected keys listed), then the converted keys
and shapes against the model of ``--config`` and the class count against
the config's (``conversion_checks.py``). The configs to evaluate the result
are ``configs/pspnet/pspnet_r{50,101}-d8-semseg_*.py``; without
``--config`` the Cityscapes one is used with the checkpoint's depth and
classes.

Example::

    python tools/model_converters/semseg2mmseg.py \\
        exp/ade20k/pspnet50/model/train_epoch_100.pth \\
        checkpoints/pspnet_r50-d8-semseg_ade20k.pth \\
        --config configs/pspnet/pspnet_r50-d8-semseg_ade20k-473x473.py
"""
import argparse
import os.path as osp
import re
import sys
from collections import OrderedDict
from typing import Dict, List, Mapping, Optional, Tuple

import torch

from conversion_checks import (ConversionError, build_target_model,
                               check_against_model, config_path,
                               converter_arg_parser, load_checkpoint_file,
                               run_conversion, save_converted,
                               strip_module_prefix)

DEFAULT_CONFIG = config_path('pspnet',
                             'pspnet_r50-d8-semseg_cityscapes-713x713.py')

#: ResNet depth from the number of blocks in layer1..layer4.
RESNET_DEPTHS = {(3, 4, 6, 3): 50, (3, 4, 23, 3): 101, (3, 8, 36, 3): 152}
#: Pyramid bins of every released semseg PSPNet (``bins=(1, 2, 3, 6)``).
NUM_PPM_BINS = 4
_BN = ('weight', 'bias', 'running_mean', 'running_var')
_BN_COUNTER = 'num_batches_tracked'
_STEM_INDICES = ('0', '1', '3', '4', '6', '7')
_HEAD_MODULES = {
    'cls.0': 'decode_head.bottleneck.conv',
    'cls.1': 'decode_head.bottleneck.bn',
    'cls.4': 'decode_head.conv_seg',
    'aux.0': 'auxiliary_head.convs.0.conv',
    'aux.1': 'auxiliary_head.convs.0.bn',
    'aux.4': 'auxiliary_head.conv_seg',
}
_BLOCK = re.compile(r'^layer([1-4])\.(\d+)\.')


def _bn_keys(prefix: str) -> List[str]:
    return [f'{prefix}.{name}' for name in _BN]


def expected_keys(depth: int) -> List[str]:
    """Every parameter / buffer key of a semseg PSPNet of this depth.

    ``num_batches_tracked`` counters are left out: checkpoints written by
    PyTorch < 0.4.1 lack them, so they are optional.

    Args:
        depth (int): ResNet depth, one of 50, 101, 152.

    Returns:
        list[str]: Keys without the ``module.`` prefix.
    """
    blocks = {v: k for k, v in RESNET_DEPTHS.items()}[depth]
    keys = []
    for conv, bn in (('0', '1'), ('3', '4'), ('6', '7')):
        keys += [f'layer0.{conv}.weight'] + _bn_keys(f'layer0.{bn}')
    for layer, num_blocks in enumerate(blocks, start=1):
        for block in range(num_blocks):
            prefix = f'layer{layer}.{block}'
            for i in (1, 2, 3):
                keys += [f'{prefix}.conv{i}.weight']
                keys += _bn_keys(f'{prefix}.bn{i}')
            if block == 0:
                keys += [f'{prefix}.downsample.0.weight']
                keys += _bn_keys(f'{prefix}.downsample.1')
    for i in range(NUM_PPM_BINS):
        keys += [f'ppm.features.{i}.1.weight']
        keys += _bn_keys(f'ppm.features.{i}.2')
    for branch in ('cls', 'aux'):
        keys += [f'{branch}.0.weight'] + _bn_keys(f'{branch}.1')
        keys += [f'{branch}.4.weight', f'{branch}.4.bias']
    return keys


def convert_key(key: str) -> str:
    """The mmseg key of one semseg key (prefix already removed).

    Raises:
        KeyError: If the key belongs to no known module.
    """
    parts = key.split('.')
    is_stem = len(parts) > 2 and parts[0] == 'layer0'
    if is_stem and parts[1] in _STEM_INDICES:
        # Same Sequential positions: conv, BN, ReLU, x3 (+ maxpool).
        return f'backbone.stem.{".".join(parts[1:])}'
    if _BLOCK.match(key):
        return f'backbone.{key}'
    if parts[:2] == ['ppm', 'features'] and parts[3:4] in (['1'], ['2']):
        module = 'conv' if parts[3] == '1' else 'bn'
        rest = '.'.join(parts[4:])
        return f'decode_head.psp_modules.{parts[2]}.1.{module}.{rest}'
    head_module = '.'.join(parts[:2])
    if head_module in _HEAD_MODULES:
        return f'{_HEAD_MODULES[head_module]}.{".".join(parts[2:])}'
    raise KeyError(key)


def _unwrap(checkpoint: Mapping) -> Dict[str, torch.Tensor]:
    state_dict = checkpoint.get('state_dict', checkpoint)
    if not isinstance(state_dict, Mapping):
        raise ConversionError(
            "the checkpoint's 'state_dict' is a "
            f'{type(state_dict).__name__}, not a mapping of tensors')
    return strip_module_prefix(state_dict)


def infer_depth(state_dict: Mapping[str, torch.Tensor]) -> int:
    """ResNet depth from the block counts of ``layer1..layer4``."""
    counts = [0, 0, 0, 0]
    for key in state_dict:
        match = _BLOCK.match(key)
        if match:
            layer, block = int(match.group(1)), int(match.group(2))
            counts[layer - 1] = max(counts[layer - 1], block + 1)
    depth = RESNET_DEPTHS.get(tuple(counts))
    if depth is None:
        raise ConversionError(
            'not a hszhao/semseg PSPNet checkpoint: layer1..layer4 have '
            f'{tuple(counts)} blocks, expected one of ' +
            ', '.join(f'{b} (ResNet-{d})' for b, d in RESNET_DEPTHS.items()))
    return depth


def _listing(title: str, keys: List[str]) -> str:
    """'N title: group.* (count, e.g. first key), ...' per top module."""
    groups: Dict[str, List[str]] = OrderedDict()
    for key in keys:
        groups.setdefault(key.split('.', 1)[0], []).append(key)
    parts = [
        f'{group}.* ({len(members)}, e.g. {members[0]})'
        for group, members in groups.items()
    ]
    return f'{len(keys)} {title}: ' + ', '.join(parts)


def convert_semseg_pspnet(
        checkpoint: Mapping) -> Tuple[Dict[str, torch.Tensor], dict]:
    """Convert a semseg PSPNet checkpoint (or its state dict) in memory.

    Args:
        checkpoint (Mapping): ``torch.load`` output of a semseg checkpoint,
            with or without the ``state_dict`` wrapper and ``module.``
            prefix.

    Returns:
        tuple[dict, dict]: The mmseg state dict, and meta information
        (``depth``, ``num_classes``).

    Raises:
        ConversionError: If the keys (missing and unexpected ones are
            listed) or the classifier shapes do not fit a semseg PSPNet.
    """
    state_dict = _unwrap(checkpoint)
    depth = infer_depth(state_dict)
    required = expected_keys(depth)
    optional = {
        f'{k.rsplit(".", 1)[0]}.{_BN_COUNTER}'
        for k in required if k.endswith('.running_mean')
    }
    missing = [k for k in required if k not in state_dict]
    known = set(required) | optional
    unexpected = [k for k in state_dict if k not in known]
    if missing or unexpected:
        parts = [f'not a hszhao/semseg PSPNet-{depth} checkpoint']
        if missing:
            parts.append(_listing('missing keys', missing))
        if unexpected:
            parts.append(_listing('unexpected keys', unexpected))
        raise ConversionError('; '.join(parts))
    num_classes = state_dict['cls.4.weight'].shape[0]
    aux_classes = state_dict['aux.4.weight'].shape[0]
    if aux_classes != num_classes:
        raise ConversionError(
            f'cls.4 predicts {num_classes} classes but aux.4 predicts '
            f'{aux_classes}')
    converted = OrderedDict((convert_key(k), v) for k, v in state_dict.items())
    return converted, dict(depth=depth, num_classes=num_classes)


def convert_checked(
    checkpoint: Mapping,
    config: Optional[str] = None,
    source: str = 'checkpoint'
) -> Tuple['OrderedDict[str, torch.Tensor]', dict]:
    """:func:`convert_semseg_pspnet`, then the check against the model of
    ``config`` (default: :data:`DEFAULT_CONFIG` with the checkpoint's
    depth and classes; a given config must have the checkpoint's classes).

    Returns:
        tuple[OrderedDict, dict]: Our state dict in the model's key order
        and the meta information (``depth``, ``num_classes``).
    """
    state_dict, meta = convert_semseg_pspnet(checkpoint)
    origins = {convert_key(k): k for k in _unwrap(checkpoint)}

    def set_depth(model_cfg) -> None:
        model_cfg.backbone.depth = meta['depth']

    model = build_target_model(
        config or DEFAULT_CONFIG,
        meta['num_classes'],
        overrides=None if config else set_depth,
        check_classes=bool(config))
    return check_against_model(
        state_dict, model, source, origins=origins), meta


def convert_file(src: str, dst: str, config: Optional[str] = None) -> str:
    """Read, convert, check against the target model, then write.

    Returns:
        str: A one-line summary.
    """
    checkpoint = load_checkpoint_file(src)
    if not isinstance(checkpoint, Mapping):
        raise ConversionError(
            f'{src} holds a {type(checkpoint).__name__}, not a state dict')
    state_dict, meta = convert_checked(checkpoint, config, src)
    meta['source'] = f'hszhao/semseg PSPNet: {osp.basename(src)}'
    save_converted(state_dict, meta, dst)
    return (f'PSPNet-{meta["depth"]}, {meta["num_classes"]} classes: '
            f'{len(state_dict)} tensors written to {dst}')


def parse_args(argv=None) -> argparse.Namespace:
    return converter_arg_parser(
        'Convert a hszhao/semseg PSPNet checkpoint to mmseg (ResNetV1c + '
        'PSPHead + FCNHead aux)', DEFAULT_CONFIG,
        'ResNet depth and number of classes').parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    return run_conversion(
        lambda: convert_file(args.src, args.dst, args.config))


if __name__ == '__main__':
    sys.exit(main())
