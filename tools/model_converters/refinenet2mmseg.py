# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Convert DrSleep/refinenet-pytorch checkpoints to mmseg_ext's RefineNet.

The official PyTorch RefineNet-101 (``models/resnet.py``: ``rf101``) is a
torchvision ResNet plus the decoder below; it maps onto ``EncoderDecoder``
with mmseg's ``ResNet`` (torchvision style, same key names) and
:class:`RefineNetHead`. With ``p`` the official path (1 = 1/32, 4 = 1/4)
and ``b = p - 1`` our block index (coarsest first)::

    conv1, bn1, layer1..layer4         -> backbone.<same>
    p_ims1d2_outl{p}_dimred            -> refine_blocks.{b}.adapt_conv.conv
    adapt_stage{p}_b.0.{r}_conv        -> refine_blocks.{b}.adapt_rcus.{r-1}
                                          .conv1.conv
    adapt_stage{p}_b.0.{r}_conv_relu_varout_dimred
                                       -> ... .adapt_rcus.{r-1}.conv2.conv
    adapt_stage{p}_b2_joint_varout_dimred
                                       -> refine_blocks.{b}.fusion.convs.0
    mflow_conv_g{p}_b3_joint_varout_dimred
                                       -> refine_blocks.{b+1}.fusion.convs.1
    mflow_conv_g{p}_pool.0.{i}_outvar_dimred
                                       -> refine_blocks.{b}.crp.convs.{i-1}
    mflow_conv_g{p}_b.0.{r}_conv[...]  -> refine_blocks.{b}.output_rcus...
    clf_conv                           -> decode_head.conv_seg

(the decoder keys get the ``decode_head.`` prefix). The same layout without
the RCU keys and with 1x1 convs is Light-Weight RefineNet's, see
``lwrefinenet2mmseg.py``. The converted keys and shapes are checked against
the model built from ``--config`` (and its class count against the
checkpoint's) before anything is written (``conversion_checks.py``).

Example::

    python tools/model_converters/refinenet2mmseg.py \\
        rf101_voc.pth.tar work_dirs/refinenet_r101b_voc_drsleep.pth
"""
import argparse
import os.path as osp
import re
import sys
from collections import OrderedDict
from typing import Dict, List, Optional, Tuple

import torch

from conversion_checks import (ConversionError, build_target_model,
                               check_against_model, config_path,
                               converter_arg_parser, load_checkpoint_file,
                               run_conversion, save_converted,
                               strip_module_prefix)

DEFAULT_CONFIG = config_path(
    'refinenet', 'refinenet_r101b-d32_4xb4-40k_voc12aug-512x512.py')

#: ResNet depth from the number of blocks in (layer2, layer3).
_RESNET_DEPTHS = {(4, 6): 50, (4, 23): 101, (8, 36): 152}
_BACKBONE = re.compile(r'^(conv1|bn1|layer[1-4])\.')
_RCU_CONV = {'_conv': 'conv1', '_conv_relu_varout_dimred': 'conv2'}


def _decoder_key(key: str) -> str:
    """Our decoder key for an official decoder key ('' if unknown)."""
    m = re.match(r'^p_ims1d2_outl(\d)_dimred\.(weight|bias)$', key)
    if m:
        return f'refine_blocks.{int(m[1]) - 1}.adapt_conv.conv.{m[2]}'
    m = re.match(
        r'^(adapt_stage|mflow_conv_g)(\d)_b\.0\.(\d+)'
        r'(_conv|_conv_relu_varout_dimred)\.(weight|bias)$', key)
    if m:
        rcus = 'adapt_rcus' if m[1] == 'adapt_stage' else 'output_rcus'
        return (f'refine_blocks.{int(m[2]) - 1}.{rcus}.{int(m[3]) - 1}.'
                f'{_RCU_CONV[m[4]]}.conv.{m[5]}')
    m = re.match(r'^adapt_stage(\d)_b2_joint_varout_dimred\.(weight|bias)$',
                 key)
    if m:
        return f'refine_blocks.{int(m[1]) - 1}.fusion.convs.0.conv.{m[2]}'
    m = re.match(r'^mflow_conv_g(\d)_b3_joint_varout_dimred\.(weight|bias)$',
                 key)
    if m:
        return f'refine_blocks.{int(m[1])}.fusion.convs.1.conv.{m[2]}'
    m = re.match(
        r'^mflow_conv_g(\d)_pool\.0\.(\d+)_outvar_dimred\.'
        r'(weight|bias)$', key)
    if m:
        return (f'refine_blocks.{int(m[1]) - 1}.crp.convs.{int(m[2]) - 1}.'
                f'conv.{m[3]}')
    m = re.match(r'^clf_conv\.(weight|bias)$', key)
    if m:
        return f'conv_seg.{m[1]}'
    return ''


def unwrap_state_dict(checkpoint: dict) -> Dict[str, torch.Tensor]:
    """The state dict inside an official checkpoint.

    Accepts a bare state dict (the released files), the training script's
    ``{'segmenter': ...}`` and ``{'state_dict' | 'model': ...}``; strips a
    ``DataParallel`` ``module.`` prefix.
    """
    if not isinstance(checkpoint, dict):
        raise ConversionError(
            f'expected a state dict, got {type(checkpoint).__name__}')
    for wrapper in ('segmenter', 'state_dict', 'model'):
        if isinstance(checkpoint.get(wrapper), dict):
            checkpoint = checkpoint[wrapper]
            break
    return strip_module_prefix(checkpoint)


def load_official(path: str) -> Dict[str, torch.Tensor]:
    """Read an official checkpoint file (tensors only)."""
    return unwrap_state_dict(load_checkpoint_file(path))


def convert_refinenet(
    state_dict: Dict[str, torch.Tensor]
) -> Tuple['OrderedDict[str, torch.Tensor]', List[str], Dict[str, str]]:
    """Rename official (Light-Weight) RefineNet keys to ours.

    Returns:
        tuple: The converted state dict, the official keys no rule maps (a
        checkpoint of another model has some) and our key -> official key.
    """
    converted, unmapped, origins = OrderedDict(), [], {}
    for key, value in state_dict.items():
        if _BACKBONE.match(key):
            new_key = f'backbone.{key}'
        elif _decoder_key(key):
            new_key = f'decode_head.{_decoder_key(key)}'
        else:
            unmapped.append(key)
            continue
        converted[new_key], origins[new_key] = value, key
    return converted, unmapped, origins


def infer_depth_and_classes(
        state_dict: Dict[str, torch.Tensor]) -> Tuple[int, int]:
    """ResNet depth and number of classes of an official checkpoint."""
    if 'clf_conv.weight' not in state_dict:
        raise ConversionError(
            'no "clf_conv.weight": not a DrSleep RefineNet checkpoint '
            f'(first keys: {list(state_dict)[:5]})')
    blocks = []
    for layer in ('layer2', 'layer3'):
        idx = {
            int(k.split('.')[1])
            for k in state_dict if k.startswith(layer + '.')
        }
        blocks.append(max(idx) + 1 if idx else 0)
    depth = _RESNET_DEPTHS.get(tuple(blocks))
    if depth is None:
        raise ConversionError(
            f'ResNet with {blocks[0]} / {blocks[1]} blocks in layer2 / '
            f'layer3 is none of ResNet-50/101/152')
    return depth, int(state_dict['clf_conv.weight'].shape[0])


def layout_hint(state_dict: Dict[str, torch.Tensor]) -> str:
    """Which converter fits an official checkpoint, as a sentence."""
    if any(k.startswith('adapt_stage1_b.0.') for k in state_dict):
        return ('The checkpoint has RCUs (adapt_stage1_b.*): a RefineNet '
                'checkpoint, for refinenet2mmseg.py and RefineNetHead.')
    if 'p_ims1d2_outl1_dimred.weight' in state_dict:
        return ('The checkpoint has no RCUs: a Light-Weight RefineNet '
                'checkpoint, for lwrefinenet2mmseg.py and '
                'LightWeightRefineNetHead.')
    return ''


def convert_checked(
        state_dict: Dict[str, torch.Tensor],
        config: Optional[str],
        default_config: str,
        source: str = 'checkpoint') -> 'OrderedDict[str, torch.Tensor]':
    """Convert an official state dict and check it against the model of
    ``config``. Without ``config``, ``default_config`` is used with the
    checkpoint's ResNet depth and classes; a given config must have the
    checkpoint's classes (its depth shows in the key check).

    Returns:
        OrderedDict[str, Tensor]: Our state dict, in the model's key order.
    """
    depth, num_classes = infer_depth_and_classes(state_dict)
    converted, unmapped, origins = convert_refinenet(state_dict)

    def set_depth(model_cfg) -> None:
        model_cfg.backbone.depth = depth

    model = build_target_model(
        config or default_config,
        num_classes,
        overrides=None if config else set_depth,
        check_classes=bool(config))
    return check_against_model(converted, model, source, unmapped, origins,
                               layout_hint(state_dict))


def convert_file(src: str, dst: str, config: Optional[str],
                 default_config: str, converter: str) -> str:
    """Read, convert, check against the target model, then write.

    Returns:
        str: A one-line summary.
    """
    state_dict = load_official(src)
    converted = convert_checked(state_dict, config, default_config, src)
    depth, num_classes = infer_depth_and_classes(state_dict)
    save_converted(
        converted,
        dict(
            source=osp.basename(src),
            converter=converter,
            depth=depth,
            num_classes=num_classes), dst)
    return (f'{len(converted)} tensors (ResNet-{depth}, {num_classes} '
            f'classes) written to {dst}')


def parse_args(description: str,
               default_config: str,
               argv=None) -> argparse.Namespace:
    return converter_arg_parser(
        description, default_config,
        'ResNet depth and number of classes').parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(
        'Convert DrSleep/refinenet-pytorch RefineNet checkpoints to '
        'mmseg_ext', DEFAULT_CONFIG, argv)
    return run_conversion(lambda: convert_file(
        args.src, args.dst, args.config, DEFAULT_CONFIG, 'refinenet2mmseg'))


if __name__ == '__main__':
    sys.exit(main())
