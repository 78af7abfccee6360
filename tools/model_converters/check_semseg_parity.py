# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Check that converted hszhao/semseg PSPNet weights give the same outputs.

Builds the official PSPNet from a local copy of the hszhao/semseg source tree
(``model/pspnet.py``; nothing of it is copied here; its folder goes on
``sys.path`` because its modules import each other by top-level name),
either with a released checkpoint or with random weights (random BatchNorm
statistics and affine parameters too, so that every tensor of the mapping
matters), converts its state dict with ``semseg2mmseg.py``, loads it
strictly into the mmseg model of ``--config`` and compares, in eval mode:

* the official forward (``zoom_factor=8``: logits bilinearly upsampled with
  ``align_corners=True`` to the full input size, so the official model
  returns full-resolution logits) with the model's *own* outputs:
  ``predict`` on the official normalised tensor and ``test_step`` on the
  raw BGR ``uint8`` image through mmseg's data preprocessor (semseg's
  ``(RGB - 255 * mean) / (255 * std)``), both at input size;
* the auxiliary logits at 1/8 (semseg's ``aux`` on layer3 against
  ``auxiliary_head.forward``; the official model only upsamples them in
  training).

No output is resized by this script. The official forward runs on the whole
image, so the configs' sliding-window test mode is replaced by ``whole``
(and the preprocessor's test-time padding to the crop is dropped): the
same network, evaluated the way the official forward is. The input size
must be ``8k + 1`` (semseg asserts it). Exit status 0 when every maximum
absolute difference is within ``--atol``.

Example::

    python tools/model_converters/check_semseg_parity.py \\
        --semseg-root /path/to/semseg --layers 50 --classes 19 \\
        --size 161 353
"""
import argparse
import importlib
import os.path as osp
import sys
from typing import Dict

import torch
import torch.nn as nn
from semseg2mmseg import DEFAULT_CONFIG, convert_checked

from conversion_checks import build_target_model
from parity_checks import compare, finish_report, own_outputs

#: semseg's tool/test.py normalisation, on RGB images in [0, 255].
SEMSEG_MEAN = [0.485 * 255, 0.456 * 255, 0.406 * 255]
SEMSEG_STD = [0.229 * 255, 0.224 * 255, 0.225 * 255]


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--semseg-root',
        required=True,
        help='hszhao/semseg source tree (holds model/pspnet.py)')
    parser.add_argument(
        '--checkpoint', help='semseg checkpoint; random weights if omitted')
    parser.add_argument('--layers', type=int, default=50, choices=(50, 101))
    parser.add_argument('--classes', type=int, default=19)
    parser.add_argument(
        '--size',
        type=int,
        nargs=2,
        default=(161, 353),
        metavar=('H', 'W'),
        help='input size, each 8k + 1')
    parser.add_argument(
        '--config',
        help='our config (default: the converter\'s, with the depth and '
        'classes of the official model)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--atol', type=float, default=1e-4)
    parser.add_argument('--out', help='write the figures as JSON here')
    return parser.parse_args(argv)


def build_semseg_pspnet(root: str, layers: int, classes: int) -> nn.Module:
    """The official PSPNet, imported from the source tree at ``root``."""
    if not osp.isfile(osp.join(root, 'model', 'pspnet.py')):
        raise SystemExit(f'{root} holds no model/pspnet.py: pass the root '
                         'of a hszhao/semseg checkout as --semseg-root')
    sys.path.insert(0, osp.abspath(root))
    pspnet = importlib.import_module('model.pspnet')
    return pspnet.PSPNet(
        layers=layers, classes=classes, zoom_factor=8, pretrained=False)


def randomize_(model: nn.Module, seed: int) -> None:
    """Random weights and BatchNorm statistics (eval BN is not identity)."""
    g = torch.Generator().manual_seed(seed)
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            fan_in = module.weight[0].numel()
            module.weight.data = torch.randn(
                module.weight.shape, generator=g) * (1. / fan_in)**0.5
            if module.bias is not None:
                module.bias.data = torch.randn(
                    module.bias.shape, generator=g) * 0.1
        elif isinstance(module, nn.BatchNorm2d):
            n = module.num_features
            module.weight.data = torch.rand(n, generator=g) * 0.5 + 0.75
            module.bias.data = torch.randn(n, generator=g) * 0.1
            module.running_mean = torch.randn(n, generator=g) * 0.1
            module.running_var = torch.rand(n, generator=g) * 0.5 + 0.75


def semseg_outputs(model: nn.Module, x: torch.Tensor) -> Dict[str, object]:
    """Main logits of the official forward (input size) and its auxiliary
    classifier's logits (1/8, as the official ``aux`` returns them)."""
    main = model(x)
    feat3 = model.layer3(model.layer2(model.layer1(model.layer0(x))))
    return dict(main=main, aux=model.aux(feat3))


def build_mmseg_model(config: str, layers: int, classes: int) -> nn.Module:
    """Our model, evaluated on the whole image like the official forward."""
    from mmengine.model import revert_sync_batchnorm

    def whole_image(model_cfg) -> None:
        model_cfg.backbone.depth = layers
        model_cfg.test_cfg = dict(mode='whole')
        model_cfg.data_preprocessor.pop('test_cfg', None)

    model = build_target_model(
        config or DEFAULT_CONFIG,
        classes,
        overrides=whole_image,
        check_classes=bool(config),
        device='cpu')
    return revert_sync_batchnorm(model)


def main(argv=None) -> int:
    args = parse_args(argv)
    h, w = args.size
    if (h - 1) % 8 or (w - 1) % 8:
        raise SystemExit(f'--size {h} {w}: semseg needs 8k + 1 sizes')
    torch.manual_seed(args.seed)
    official = build_semseg_pspnet(args.semseg_root, args.layers, args.classes)
    if args.checkpoint:
        ckpt = torch.load(
            args.checkpoint, map_location='cpu', weights_only=True)
        state = ckpt.get('state_dict', ckpt)
        official.load_state_dict({
            k.replace('module.', '', 1): v
            for k, v in state.items()
        })
    else:
        randomize_(official, args.seed)
    official.eval()

    converted, meta = convert_checked(official.state_dict(), args.config,
                                      'official model')
    model = build_mmseg_model(args.config, meta['depth'], meta['num_classes'])
    model.load_state_dict(converted, strict=True)
    model.eval()

    g = torch.Generator().manual_seed(args.seed + 1)
    rgb = torch.randint(0, 256, (1, 3, h, w), generator=g).float()
    mean = torch.tensor(SEMSEG_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(SEMSEG_STD).view(1, 3, 1, 1)
    semseg_input = (rgb - mean) / std
    bgr = rgb[0].flip(0).to(torch.uint8)

    with torch.no_grad():
        ref = semseg_outputs(official, semseg_input)
        mm_input = model.data_preprocessor(
            dict(inputs=[bgr]), training=False)['inputs']
        aux = model.auxiliary_head(model.extract_feat(semseg_input))
    pred, test = own_outputs(model, semseg_input, bgr)
    rows = {
        'preprocessed input':
        compare(mm_input, semseg_input),
        'predict seg_logits (H x W)':
        compare(pred.seg_logits.data, ref['main'][0]),
        'test_step seg_logits (H x W)':
        compare(test.seg_logits.data, ref['main'][0]),
        'aux logits (1/8)':
        compare(aux, ref['aux']),
    }
    report = dict(
        layers=args.layers,
        classes=args.classes,
        size=[h, w],
        official_output=f'main logits {list(ref["main"].shape)} (full '
        'resolution)',
        weights=args.checkpoint or f'random (seed {args.seed})',
        tensors_converted=len(converted),
        comparisons=rows,
        atol=args.atol)
    return finish_report(
        report, all(r['max_abs_diff'] <= args.atol for r in rows.values()),
        args.out)


if __name__ == '__main__':
    sys.exit(main())
