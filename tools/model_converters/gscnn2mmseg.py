# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Convert an official Gated-SCNN checkpoint (nv-tlabs/GSCNN) to mmseg_ext.

The official model (``network/gscnn.py``: WRN38-A2 + shape stream + ASPP
decoder) maps onto ``ShapeStreamEncoderDecoder`` with ``WiderResNet``,
``GatedShapeStream`` and ``GSCNNHead`` (config
``configs/gscnn/gscnn_wrn38-d8_8xb1-65k_cityscapes-720x720.py``). After
stripping the ``DataParallel`` ``module.`` prefix::

    mod1..mod7.*                 -> backbone.mod1..mod7.*  (same names)
    dsn3 / dsn4 / dsn7           -> neck.side_convs.{0,1,2}.conv
    dsn1                         -> dropped (built but unused officially)
    res{i}.{conv,bn}{1,2}        -> neck.res_blocks.{i-1}.{conv,bn}{1,2}
    d{i}                         -> neck.reduce_convs.{i-1}.conv
    gate{i}.weight               -> neck.gates.{i-1}.conv.weight
    gate{i}._gate_conv.{k}       -> neck.gates.{i-1}.attention.{k}
    fuse                         -> neck.edge_conv
    cw                           -> neck.gradient_fusion (see below)
    aspp.img_conv.{0,1}          -> decode_head.aspp.image_pool.1.conv
                                    (BN folded into the conv, see below)
    aspp.edge_conv.{0,1}         -> decode_head.aspp.edge_branch.{conv,bn}
    aspp.features.{j}.{0,1}      -> decode_head.aspp.aspp_modules.{j}
                                    .{conv,bn}
    bot_aspp / bot_fine          -> decode_head.{aspp,fine}_bottleneck.conv
    final_seg.{0,1} / {3,4}      -> decode_head.decoder.{0,1}.{conv,bn}
    final_seg.6                  -> decode_head.conv_seg (bias set to 0)

The official code feeds Canny edges as 0/255 to ``cw``; ours are 0/1, so
the converter multiplies ``cw``'s Canny input weight by 255 (same output).
Our image-pooling branch has no BatchNorm (it sees one value per channel
and image, which fails at one image per device); the official one
(``aspp.img_conv.1``, eps 1e-5) is folded into the conv's weight and bias,
exact in eval mode (``fold_legacy_image_pool`` of the head's module).
A missing ``num_batches_tracked`` (torch-encoding SyncBN) is filled with 0.
The converted keys and shapes are checked against the model built from
``--config`` (and its class count against the checkpoint's) before anything
is written (``conversion_checks.py``).

Example::

    python tools/model_converters/gscnn2mmseg.py \\
        best_cityscapes_checkpoint.pth work_dirs/gscnn_wrn38_official.pth
"""
import argparse
import os.path as osp
import re
import sys
from collections import OrderedDict
from typing import Dict, List, Optional, Tuple

import torch

from mmseg_ext.models.decode_heads.edge_aware_aspp import \
    fold_legacy_image_pool
from conversion_checks import (ConversionError, build_target_model,
                               check_against_model, config_path,
                               converter_arg_parser, load_checkpoint_file,
                               run_conversion, save_converted,
                               strip_module_prefix)

DEFAULT_CONFIG = config_path('gscnn',
                             'gscnn_wrn38-d8_8xb1-65k_cityscapes-720x720.py')
#: Scale of the official Canny map (0/255) relative to ours (0/1).
CANNY_SCALE = 255.
#: ``eps`` of the official BatchNorm layers (``nn.BatchNorm2d`` default).
OFFICIAL_BN_EPS = 1e-5
_POOL = 'decode_head.aspp.image_pool.1.'
_DSN = {'3': 0, '4': 1, '7': 2}
_FINAL_SEG = {
    '0': 'decoder.0.conv',
    '1': 'decoder.0.bn',
    '3': 'decoder.1.conv',
    '4': 'decoder.1.bn'
}
_PARAM = r'(weight|bias|running_mean|running_var|num_batches_tracked)'

# (official key pattern, function of the match giving our key).
_RULES = [
    (r'^(mod[1-7]\..+)$', lambda m: f'backbone.{m[1]}'),
    (rf'^dsn([347])\.{_PARAM}$',
     lambda m: f'neck.side_convs.{_DSN[m[1]]}.conv.{m[2]}'),
    (rf'^res([123])\.((conv|bn)[12])\.{_PARAM}$',
     lambda m: f'neck.res_blocks.{int(m[1]) - 1}.{m[2]}.{m[4]}'),
    (rf'^d([123])\.{_PARAM}$',
     lambda m: f'neck.reduce_convs.{int(m[1]) - 1}.conv.{m[2]}'),
    (r'^gate([123])\.weight$',
     lambda m: f'neck.gates.{int(m[1]) - 1}.conv.weight'),
    (rf'^gate([123])\._gate_conv\.([0134])\.{_PARAM}$',
     lambda m: f'neck.gates.{int(m[1]) - 1}.attention.{m[2]}.{m[3]}'),
    (r'^fuse\.weight$', lambda m: 'neck.edge_conv.weight'),
    (r'^cw\.weight$', lambda m: 'neck.gradient_fusion.weight'),
    (rf'^aspp\.img_conv\.([01])\.{_PARAM}$',
     lambda m: 'decode_head.aspp.image_pool.1.' +
     ('conv' if m[1] == '0' else 'bn') + f'.{m[2]}'),
    (rf'^aspp\.edge_conv\.([01])\.{_PARAM}$',
     lambda m: 'decode_head.aspp.edge_branch.' +
     ('conv' if m[1] == '0' else 'bn') + f'.{m[2]}'),
    (rf'^aspp\.features\.(\d+)\.([01])\.{_PARAM}$',
     lambda m: f'decode_head.aspp.aspp_modules.{m[1]}.' +
     ('conv' if m[2] == '0' else 'bn') + f'.{m[3]}'),
    (r'^bot_aspp\.weight$',
     lambda m: 'decode_head.aspp_bottleneck.conv.weight'),
    (r'^bot_fine\.weight$',
     lambda m: 'decode_head.fine_bottleneck.conv.weight'),
    (rf'^final_seg\.([0134])\.{_PARAM}$',
     lambda m: f'decode_head.{_FINAL_SEG[m[1]]}.{m[2]}'),
    (r'^final_seg\.6\.weight$', lambda m: 'decode_head.conv_seg.weight'),
]
_RULES = [(re.compile(p), f) for p, f in _RULES]
_DROPPED = re.compile(r'^dsn1\.')


def unwrap_state_dict(checkpoint: dict) -> Dict[str, torch.Tensor]:
    """The state dict of an official checkpoint, ``module.`` stripped.

    Accepts the training script's ``{'state_dict': ..., 'optimizer': ...,
    'epoch': ..., 'mean_iu': ..., 'command': ...}`` or a bare state dict.
    """
    if not isinstance(checkpoint, dict):
        raise ConversionError(
            f'expected a dict checkpoint, got {type(checkpoint).__name__}')
    if isinstance(checkpoint.get('state_dict'), dict):
        checkpoint = checkpoint['state_dict']
    return strip_module_prefix({
        k: v
        for k, v in checkpoint.items() if isinstance(v, torch.Tensor)
    })


def convert_gscnn(
    state_dict: Dict[str, torch.Tensor]
) -> Tuple['OrderedDict[str, torch.Tensor]', List[str], Dict[str, str]]:
    """Rename official Gated-SCNN keys to ours (``module.`` stripped).

    Returns:
        tuple: The converted state dict, the official keys that no rule
        maps (a checkpoint of another model has many) and our key ->
        official key.
    """
    converted, unmapped, origins = OrderedDict(), [], {}
    for key, value in state_dict.items():
        if _DROPPED.match(key):
            continue
        for pattern, template in _RULES:
            match = pattern.match(key)
            if match:
                new_key = template(match)
                converted[new_key], origins[new_key] = value, key
                break
        else:
            unmapped.append(key)
    fusion = 'neck.gradient_fusion.weight'
    if fusion in converted:
        weight = converted[fusion].clone()
        weight[:, 1] *= CANNY_SCALE
        converted[fusion] = weight
    if _POOL + 'bn.running_var' in converted:
        fold_legacy_image_pool(converted, 'decode_head.', OFFICIAL_BN_EPS)
        origins[_POOL + 'conv.weight'] = 'aspp.img_conv.0.weight and .1.*'
        origins[_POOL + 'conv.bias'] = 'aspp.img_conv.1.*'
        for key in list(origins):
            if key.startswith(_POOL + 'bn.'):
                del origins[key]
    classifier = 'decode_head.conv_seg.weight'
    if classifier in converted:
        converted['decode_head.conv_seg.bias'] = converted[
            classifier].new_zeros(converted[classifier].shape[0])
    return converted, unmapped, origins


def num_classes_of(state_dict: Dict[str, torch.Tensor]) -> int:
    """Classes of an official checkpoint (rows of ``final_seg.6``)."""
    if 'final_seg.6.weight' not in state_dict:
        raise ConversionError(
            'no "final_seg.6.weight": not an official Gated-SCNN checkpoint '
            f'(first keys: {list(state_dict)[:5]})')
    return int(state_dict['final_seg.6.weight'].shape[0])


def load_official(path: str,
                  weights_only: bool = True) -> Dict[str, torch.Tensor]:
    """Read an official checkpoint file (the official ``train.py`` also
    pickles numpy scalars: ``weights_only=False`` reads those)."""
    return unwrap_state_dict(load_checkpoint_file(path, weights_only))


def convert_checked(
        state_dict: Dict[str, torch.Tensor],
        config: Optional[str] = None,
        source: str = 'checkpoint') -> 'OrderedDict[str, torch.Tensor]':
    """Convert an official state dict and check it against the model of
    ``config`` (default: :data:`DEFAULT_CONFIG` with the checkpoint's
    classes; a given config must have the checkpoint's classes).

    Returns:
        OrderedDict[str, Tensor]: Our state dict, in the model's key order.
    """
    num_classes = num_classes_of(state_dict)
    converted, unmapped, origins = convert_gscnn(state_dict)
    model = build_target_model(
        config or DEFAULT_CONFIG, num_classes, check_classes=bool(config))
    return check_against_model(converted, model, source, unmapped, origins)


def convert_file(src: str,
                 dst: str,
                 config: Optional[str] = None,
                 weights_only: bool = True) -> str:
    """Read, convert, check against ``config``'s model, then write.

    Returns:
        str: A one-line summary.
    """
    state_dict = load_official(src, weights_only)
    converted = convert_checked(state_dict, config, src)
    num_classes = num_classes_of(state_dict)
    save_converted(
        converted,
        dict(
            source=osp.basename(src),
            converter='gscnn2mmseg',
            num_classes=num_classes,
            canny_scale=CANNY_SCALE), dst)
    return (f'{len(converted)} tensors ({num_classes} classes) written to '
            f'{dst}')


def parse_args(argv=None) -> argparse.Namespace:
    parser = converter_arg_parser(
        'Convert an official Gated-SCNN (nv-tlabs/GSCNN) checkpoint to '
        'mmseg_ext', DEFAULT_CONFIG)
    parser.add_argument(
        '--no-weights-only',
        action='store_true',
        help='unpickle the whole file (only for a file you trust)')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    return run_conversion(lambda: convert_file(args.src, args.dst, args.config,
                                               not args.no_weights_only))


if __name__ == '__main__':
    sys.exit(main())
