# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Check that converted hszhao/semseg PSPNet weights give the same outputs.

Builds the official PSPNet from a local copy of the hszhao/semseg source tree
(``model/pspnet.py``; nothing of it is copied here), either with a released
checkpoint or with random weights (random BatchNorm statistics and affine
parameters too, so that every tensor of the mapping matters), converts its
state dict with ``semseg2mmseg.py``, loads it strictly into the mmseg model
of ``--config`` and compares, in eval mode:

* the input normalisation: semseg's ``(RGB - 255 * mean) / (255 * std)``
  against mmseg's data preprocessor fed the same image as BGR;
* the main logits at the input resolution (semseg: ``zoom_factor=8``,
  ``align_corners=True``; mmseg: ``encode_decode``);
* the auxiliary logits (semseg's ``aux`` on layer3, upsampled likewise).

The input size must be ``8k + 1`` (semseg asserts it). Exit status 0 when
every maximum absolute difference is within ``--atol``.

Example::

    git clone https://github.com/hszhao/semseg /tmp/semseg
    python tools/model_converters/check_semseg_parity.py \\
        --semseg-root /tmp/semseg --layers 50 --classes 19
"""
import argparse
import importlib
import json
import os.path as osp
import sys
from typing import Dict

import torch
import torch.nn as nn
import torch.nn.functional as F

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, REPO_ROOT)
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

from semseg2mmseg import convert_semseg_pspnet  # noqa: E402

import mmseg_ext  # noqa: E402,F401

DEFAULT_CONFIG = osp.join(REPO_ROOT, 'configs', 'pspnet',
                          'pspnet_r50-d8-semseg_cityscapes-713x713.py')
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
        default=(97, 129),
        metavar=('H', 'W'),
        help='input size, each 8k + 1')
    parser.add_argument('--config', default=DEFAULT_CONFIG)
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
    """Main and auxiliary logits of the official model at input size."""
    size = x.shape[2:]
    main = model(x)
    feat3 = model.layer3(model.layer2(model.layer1(model.layer0(x))))
    aux = F.interpolate(
        model.aux(feat3), size=size, mode='bilinear', align_corners=True)
    return dict(main=main, aux=aux)


def build_mmseg_model(config: str, layers: int, classes: int) -> nn.Module:
    from mmengine.config import Config
    from mmengine.model import revert_sync_batchnorm
    from mmseg.registry import MODELS
    from mmseg.utils import register_all_modules
    register_all_modules()
    cfg = Config.fromfile(config)
    cfg.model.backbone.depth = layers
    cfg.model.decode_head.num_classes = classes
    cfg.model.auxiliary_head.num_classes = classes
    cfg.model.test_cfg = dict(mode='whole')
    # Compare at the input size itself: no test-time padding to the crop.
    cfg.model.data_preprocessor.pop('test_cfg', None)
    return revert_sync_batchnorm(MODELS.build(cfg.model))


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

    converted, meta = convert_semseg_pspnet(official.state_dict())
    model = build_mmseg_model(args.config, meta['depth'], meta['num_classes'])
    model.load_state_dict(converted, strict=True)
    model.eval()

    g = torch.Generator().manual_seed(args.seed + 1)
    rgb = torch.randint(0, 256, (1, 3, h, w), generator=g).float()
    mean = torch.tensor(SEMSEG_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(SEMSEG_STD).view(1, 3, 1, 1)
    semseg_input = (rgb - mean) / std
    bgr = rgb[0].flip(0)
    with torch.no_grad():
        ref = semseg_outputs(official, semseg_input)
        mm_input = model.data_preprocessor(
            dict(inputs=[bgr]), training=False)['inputs']
        metas = [dict(img_shape=(h, w), ori_shape=(h, w), pad_shape=(h, w))]
        main_logits = model.encode_decode(mm_input, metas)
        aux_logits = model.auxiliary_head.predict(
            model.extract_feat(mm_input), metas, model.test_cfg)
    diffs = dict(
        input=(mm_input - semseg_input).abs().max().item(),
        main=(main_logits - ref['main']).abs().max().item(),
        aux=(aux_logits - ref['aux']).abs().max().item())
    scale = ref['main'].abs().max().item()
    same_argmax = (main_logits.argmax(1) == ref['main'].argmax(1)).float()
    report = dict(
        layers=args.layers,
        classes=args.classes,
        size=[h, w],
        weights=args.checkpoint or f'random (seed {args.seed})',
        max_abs_diff=diffs,
        main_logit_scale=scale,
        argmax_agreement=same_argmax.mean().item(),
        atol=args.atol,
        passed=all(d <= args.atol for d in diffs.values()))
    print(json.dumps(report, indent=2))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(report, f, indent=2)
    return 0 if report['passed'] else 1


if __name__ == '__main__':
    sys.exit(main())
