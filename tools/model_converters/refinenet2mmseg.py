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
the model built from ``--config`` before anything is written.

Example::

    python tools/model_converters/refinenet2mmseg.py \\
        rf101_voc.pth.tar work_dirs/refinenet_r101b_voc_drsleep.pth
"""
import argparse
import os.path as osp
import re
import sys
from collections import OrderedDict
from typing import Dict, List, Tuple

import torch

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, REPO_ROOT)

import mmseg_ext  # noqa: E402,F401  (stack fixes first, registration)

DEFAULT_CONFIG = osp.join(REPO_ROOT, 'configs', 'refinenet',
                          'refinenet_r101b-d32_4xb4-40k_voc12aug-512x512.py')

#: ResNet depth from the number of blocks in (layer2, layer3).
_RESNET_DEPTHS = {(4, 6): 50, (4, 23): 101, (8, 36): 152}
_BACKBONE = re.compile(r'^(conv1|bn1|layer[1-4])\.')
_RCU_CONV = {'_conv': 'conv1', '_conv_relu_varout_dimred': 'conv2'}


class ConversionError(ValueError):
    """The checkpoint does not have the layout the converter expects."""


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
    return OrderedDict(
        (k[len('module.'):] if k.startswith('module.') else k, v)
        for k, v in checkpoint.items())


def load_official(path: str) -> Dict[str, torch.Tensor]:
    """Read an official checkpoint file (tensors only)."""
    return unwrap_state_dict(
        torch.load(path, map_location='cpu', weights_only=True))


def convert_refinenet(
    state_dict: Dict[str, torch.Tensor]
) -> Tuple['OrderedDict[str, torch.Tensor]', List[str]]:
    """Rename official (Light-Weight) RefineNet keys to ours.

    Returns:
        tuple: The converted state dict and the official keys no rule maps
        (a checkpoint of another model has some).
    """
    converted, unmapped = OrderedDict(), []
    for key, value in state_dict.items():
        if _BACKBONE.match(key):
            converted[f'backbone.{key}'] = value
            continue
        new_key = _decoder_key(key)
        if new_key:
            converted[f'decode_head.{new_key}'] = value
        else:
            unmapped.append(key)
    return converted, unmapped


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


def build_model(config: str, depth: int, num_classes: int):
    """Our model from ``config`` with the checkpoint's depth and classes."""
    from mmengine.config import Config
    from mmseg.registry import MODELS
    from mmseg.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    cfg = Config.fromfile(config)
    cfg.model.pretrained = None
    cfg.model.backbone.depth = depth
    cfg.model.backbone.init_cfg = None
    cfg.model.decode_head.num_classes = num_classes
    cfg.model.pop('auxiliary_head', None)
    return MODELS.build(cfg.model)


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


def check_against_model(converted: Dict[str, torch.Tensor],
                        unmapped: List[str],
                        model: torch.nn.Module,
                        source: str,
                        hint: str = '') -> None:
    """Raise :class:`ConversionError` listing every key or shape problem."""
    expected = model.state_dict()
    missing = [
        k for k in expected
        if k not in converted and not k.endswith('num_batches_tracked')
    ]
    unexpected = [f'{k} (official key, no rule)' for k in unmapped]
    unexpected += [
        f'{k} (converted, not in {type(model.decode_head).__name__} model)'
        for k in converted if k not in expected
    ]
    shapes = [
        f'{k}: checkpoint {tuple(v.shape)} vs model '
        f'{tuple(expected[k].shape)}' for k, v in converted.items()
        if k in expected and v.shape != expected[k].shape
    ]
    if missing or unexpected or shapes:
        lines = [
            f'{source} does not match the target model; nothing '
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
        if hint:
            lines.append(hint)
        raise ConversionError('\n'.join(lines))


def convert_file(src: str, dst: str, config: str, converter: str) -> None:
    """Read, convert, check against ``config``'s model, then write."""
    state_dict = load_official(src)
    depth, num_classes = infer_depth_and_classes(state_dict)
    converted, unmapped = convert_refinenet(state_dict)
    model = build_model(config, depth, num_classes)
    check_against_model(converted, unmapped, model, src,
                        layout_hint(state_dict))
    dst_dir = osp.dirname(osp.abspath(dst))
    if not osp.isdir(dst_dir):
        raise SystemExit(f'output directory {dst_dir} does not exist')
    torch.save(
        dict(
            state_dict=converted,
            meta=dict(
                source=osp.basename(src),
                converter=converter,
                depth=depth,
                num_classes=num_classes)), dst)
    print(f'{len(converted)} tensors (ResNet-{depth}, {num_classes} classes)'
          f' written to {dst}')


def parse_args(description: str, default_config: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('src', help='official checkpoint (.pth / .pth.tar)')
    parser.add_argument('dst', help='output checkpoint path')
    parser.add_argument(
        '--config',
        default=default_config,
        help='config of the target model (its depth and num_classes are '
        'taken from the checkpoint); default: %(default)s')
    return parser.parse_args()


def main() -> None:
    args = parse_args(
        'Convert DrSleep/refinenet-pytorch RefineNet '
        'checkpoints to mmseg_ext', DEFAULT_CONFIG)
    try:
        convert_file(args.src, args.dst, args.config, 'refinenet2mmseg')
    except ConversionError as err:
        raise SystemExit(f'error: {err}')


if __name__ == '__main__':
    main()
