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
                                    (the BN folded into the conv)
    aspp.edge_conv.{0,1}         -> decode_head.aspp.edge_branch.{conv,bn}
    aspp.features.{j}.{0,1}      -> decode_head.aspp.aspp_modules.{j}.*
    bot_aspp / bot_fine          -> decode_head.{aspp,fine}_bottleneck.conv
    final_seg.{0,1} / {3,4}      -> decode_head.decoder.{0,1}.{conv,bn}
    final_seg.6                  -> decode_head.conv_seg (bias set to 0)

The official code feeds Canny edges as 0/255 to ``cw``; ours are 0/1, so
the converter multiplies ``cw``'s Canny input weight by 255 (same output).
A missing ``num_batches_tracked`` (torch-encoding SyncBN) is filled with 0.
The converted keys and shapes are checked against the model built from
``--config`` before anything is written.

Example::

    python tools/model_converters/gscnn2mmseg.py \\
        best_cityscapes_checkpoint.pth work_dirs/gscnn_wrn38_official.pth
"""
import argparse
import os.path as osp
import re
import sys
from collections import OrderedDict
from typing import Dict, List, Tuple

import torch

from mmseg_ext.models.decode_heads.edge_aware_aspp import \
    fold_legacy_image_pool

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEFAULT_CONFIG = osp.join(REPO_ROOT, 'configs', 'gscnn',
                          'gscnn_wrn38-d8_8xb1-65k_cityscapes-720x720.py')
#: Scale of the official Canny map (0/255) relative to ours (0/1).
CANNY_SCALE = 255.
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
     lambda m: 'decode_head.image_pool.1.' +
     ('conv' if m[1] == '0' else 'bn') + f'.{m[2]}'),
    (rf'^aspp\.edge_conv\.([01])\.{_PARAM}$',
     lambda m: 'decode_head.edge_branch.' +
     ('conv' if m[1] == '0' else 'bn') + f'.{m[2]}'),
    (rf'^aspp\.features\.(\d+)\.([01])\.{_PARAM}$',
     lambda m: f'decode_head.aspp_modules.{m[1]}.' +
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


class ConversionError(ValueError):
    """The checkpoint does not have the layout the converter expects."""


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
    return OrderedDict(
        (k[len('module.'):] if k.startswith('module.') else k, v)
        for k, v in checkpoint.items() if isinstance(v, torch.Tensor))


def convert_gscnn(
    state_dict: Dict[str, torch.Tensor]
) -> Tuple['OrderedDict[str, torch.Tensor]', List[str]]:
    """Rename official Gated-SCNN keys to ours (``module.`` stripped).

    Returns:
        tuple: The converted state dict and the official keys that no rule
        maps (a checkpoint of another model has many).
    """
    converted, unmapped = OrderedDict(), []
    for key, value in state_dict.items():
        if _DROPPED.match(key):
            continue
        for pattern, template in _RULES:
            match = pattern.match(key)
            if match:
                converted[template(match)] = value
                break
        else:
            unmapped.append(key)
    fusion = 'neck.gradient_fusion.weight'
    if fusion in converted:
        weight = converted[fusion].clone()
        weight[:, 1] *= CANNY_SCALE
        converted[fusion] = weight
    # ASPP parts into decode_head.aspp, image-pool BN folded (no norm there)
    fold_legacy_image_pool(converted, 'decode_head.')
    classifier = 'decode_head.conv_seg.weight'
    if classifier in converted:
        converted['decode_head.conv_seg.bias'] = converted[
            classifier].new_zeros(converted[classifier].shape[0])
    return converted, unmapped


def num_classes_of(state_dict: Dict[str, torch.Tensor]) -> int:
    """Classes of an official checkpoint (rows of ``final_seg.6``)."""
    if 'final_seg.6.weight' not in state_dict:
        raise ConversionError(
            'no "final_seg.6.weight": not an official Gated-SCNN checkpoint '
            f'(first keys: {list(state_dict)[:5]})')
    return int(state_dict['final_seg.6.weight'].shape[0])


def check_against_model(converted: Dict[str, torch.Tensor],
                        unmapped: List[str], model: torch.nn.Module,
                        source: str) -> 'OrderedDict[str, torch.Tensor]':
    """Raise :class:`ConversionError` listing every key or shape problem;
    return ``converted`` with any missing ``num_batches_tracked`` filled."""
    expected = model.state_dict()
    missing = [
        k for k in expected
        if k not in converted and not k.endswith('num_batches_tracked')
    ]
    unexpected = [f'{k} (official key, no rule)' for k in unmapped]
    unexpected += [
        f'{k} (converted, not in the model)' for k in converted
        if k not in expected
    ]
    shapes = [
        f'{k}: checkpoint {tuple(v.shape)} vs model '
        f'{tuple(expected[k].shape)}' for k, v in converted.items()
        if k in expected and v.shape != expected[k].shape
    ]
    if missing or unexpected or shapes:
        lines = [
            f'{source} does not match the Gated-SCNN model; nothing '
            'was written.'
        ]
        for title, items in (('missing keys', missing), ('unexpected keys',
                                                         unexpected),
                             ('shape mismatches', shapes)):
            if items:
                lines.append(f'{len(items)} {title}:')
                lines += [f'  {item}' for item in items[:30]]
                if len(items) > 30:
                    lines.append(f'  ... and {len(items) - 30} more')
        raise ConversionError('\n'.join(lines))
    filled = OrderedDict()
    for key in expected:
        filled[key] = converted[key] if key in converted else torch.zeros(
            (), dtype=torch.long)
    return filled


def build_model(config: str, num_classes: int, device: str = 'meta'):
    """Our model from ``config`` with the checkpoint's classes (on the
    ``meta`` device by default: keys and shapes only)."""
    sys.path.insert(0, REPO_ROOT)
    import mmseg_ext  # noqa: F401  # isort: skip  (must precede mmseg)
    from mmengine.config import Config
    from mmseg.registry import MODELS
    from mmseg.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    cfg = Config.fromfile(config)
    cfg.model.pretrained = None
    cfg.model.backbone.init_cfg = None
    cfg.model.decode_head.num_classes = num_classes
    cfg.model.pop('auxiliary_head', None)
    with torch.device(device):
        return MODELS.build(cfg.model)


def load_official(path: str, weights_only: bool = True) -> dict:
    """Read an official checkpoint file."""
    try:
        checkpoint = torch.load(
            path, map_location='cpu', weights_only=weights_only)
    except Exception as err:  # pickle errors of the weights-only loader
        if not weights_only:
            raise
        raise ConversionError(
            f'{path} could not be read with torch.load(weights_only=True) '
            f'({type(err).__name__}: {str(err).splitlines()[0]}). The '
            'official files also pickle numpy scalars (mean_iu); if you '
            'trust the file, rerun with --no-weights-only.') from err
    return unwrap_state_dict(checkpoint)


def convert_file(src: str,
                 dst: str,
                 config: str,
                 weights_only: bool = True) -> None:
    """Read, convert, check against ``config``'s model, then write."""
    state_dict = load_official(src, weights_only)
    num_classes = num_classes_of(state_dict)
    converted, unmapped = convert_gscnn(state_dict)
    model = build_model(config, num_classes)
    converted = check_against_model(converted, unmapped, model, src)
    dst_dir = osp.dirname(osp.abspath(dst))
    if not osp.isdir(dst_dir):
        raise ConversionError(f'output directory {dst_dir} does not exist')
    torch.save(
        dict(
            state_dict=converted,
            meta=dict(
                source=osp.basename(src),
                converter='gscnn2mmseg',
                num_classes=num_classes,
                canny_scale=CANNY_SCALE)), dst)
    print(f'{len(converted)} tensors ({num_classes} classes) written to '
          f'{dst}')


def main() -> None:
    parser = argparse.ArgumentParser(
        description='Convert an official Gated-SCNN (nv-tlabs/GSCNN) '
        'checkpoint to mmseg_ext')
    parser.add_argument('src', help='official checkpoint (.pth)')
    parser.add_argument('dst', help='output checkpoint path')
    parser.add_argument(
        '--config',
        default=DEFAULT_CONFIG,
        help='config of the target model (num_classes is taken from the '
        'checkpoint); default: %(default)s')
    parser.add_argument(
        '--no-weights-only',
        action='store_true',
        help='unpickle the whole file (only for a file you trust)')
    args = parser.parse_args()
    try:
        convert_file(args.src, args.dst, args.config, not args.no_weights_only)
    except ConversionError as err:
        raise SystemExit(f'error: {err}')


if __name__ == '__main__':
    main()
