# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Compare an official (Light-Weight) RefineNet with the converted model.

Given the source tree of DrSleep/refinenet-pytorch (``--variant
refinenet``) or DrSleep/light-weight-refinenet (``--variant lw``), this
builds the official model, loads ``--checkpoint`` into it (or keeps its
random initialisation, with randomised BatchNorm statistics and affine
parameters so that a wrong BatchNorm mapping cannot hide), converts its
state dict with ``refinenet2mmseg.py`` / ``lwrefinenet2mmseg.py``, loads
the result strictly into our model and runs both in eval mode on the same
image:

* **1/4 resolution, what the official forward returns** (``clf_conv``
  output): against our model's own ``forward(mode='tensor')``;
* **full resolution**: our ``predict`` (official normalised tensor) and
  ``test_step`` (raw BGR ``uint8`` image through the data preprocessor)
  against the official evaluation's full-resolution logits, which the
  official code makes outside the network: ``cv2.resize(...,
  INTER_CUBIC)`` of the 1/4 logits in light-weight-refinenet's
  ``src/train.py`` (validation) and in both repositories' notebooks. Ours
  upsample bilinearly (``align_corners=True``, as inside the official
  decoder), so these figures measure how far the two evaluation paths
  differ, not a conversion error; argmax agreement is the useful number.

Our outputs are never resized by this script. The source tree is only
imported from the given path (its folder goes on ``sys.path`` because its
modules import each other by top-level name); nothing of it is copied.
Example::

    python tools/model_converters/check_refinenet_parity.py \\
        /path/to/refinenet-pytorch --variant refinenet --size 225 317
    python tools/model_converters/check_refinenet_parity.py \\
        /path/to/light-weight-refinenet --variant lw --depth 50
"""
import argparse
import importlib
import os.path as osp
import sys

import cv2
import lwrefinenet2mmseg as lw
import refinenet2mmseg as rf
import torch

from conversion_checks import build_target_model
from parity_checks import compare, finish_report, own_outputs

#: The official normalisation (RGB, after dividing by 255).
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='root of the official source tree')
    parser.add_argument(
        '--variant', choices=('refinenet', 'lw'), default='refinenet')
    parser.add_argument(
        '--depth',
        type=int,
        choices=(50, 101, 152),
        default=101,
        help='ResNet depth of the official model (RefineNet: 101 only)')
    parser.add_argument('--num-classes', type=int, default=21)
    parser.add_argument(
        '--checkpoint', help='official checkpoint (default: random init)')
    parser.add_argument(
        '--config',
        help='our config (default: the converter\'s, with the depth and '
        'classes of the official model)')
    parser.add_argument(
        '--size', type=int, nargs=2, default=(225, 317), help='input H W')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--tol',
        type=float,
        default=1e-5,
        help='largest accepted max abs difference at 1/4 resolution')
    parser.add_argument('--out', help='also write the figures as JSON')
    return parser.parse_args(argv)


def import_official(src: str, variant: str):
    """``models.resnet`` of the official tree at ``src``."""
    path = osp.join(src, 'models', 'resnet.py')
    if not osp.isfile(path):
        raise SystemExit(f'{path} not found: --src must be the root of '
                         'DrSleep/refinenet-pytorch or light-weight-refinenet')
    sys.path.insert(0, osp.abspath(src))
    module = importlib.import_module('models.resnet')
    if osp.abspath(module.__file__) != osp.abspath(path):
        raise SystemExit(f'imported {module.__file__} instead of {path}: '
                         'another "models" package shadows the source tree')
    name = 'rf101' if variant == 'refinenet' else 'rf_lw50'
    if not hasattr(module, name):
        raise SystemExit(f'{path} has no {name}(): wrong --variant?')
    return module


def randomise_batchnorm(model: torch.nn.Module, seed: int) -> None:
    """Non-trivial BN statistics and affine parameters (eval mode uses
    them), so that a mapping mistake changes the logits."""
    g = torch.Generator().manual_seed(seed)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            n = m.num_features
            m.weight.data = 0.5 + torch.rand(n, generator=g)
            m.bias.data = 0.1 * torch.randn(n, generator=g)
            m.running_mean.data = 0.1 * torch.randn(n, generator=g)
            m.running_var.data = 0.5 + torch.rand(n, generator=g)


def official_full_resolution(logits: torch.Tensor, size) -> torch.Tensor:
    """The official evaluation's upsampling: cv2 bicubic of (H, W, C)."""
    array = logits[0].permute(1, 2, 0).numpy()
    full = cv2.resize(array, (size[1], size[0]), interpolation=cv2.INTER_CUBIC)
    return torch.from_numpy(full).permute(2, 0, 1)


def main(argv=None) -> int:
    from mmengine.model import revert_sync_batchnorm
    args = parse_args(argv)
    official = import_official(args.src, args.variant)
    torch.manual_seed(args.seed)
    if args.variant == 'refinenet':
        if args.depth != 101:
            raise SystemExit('the official PyTorch RefineNet is ResNet-101')
        orig = official.rf101(
            args.num_classes, imagenet=False, pretrained=False)
    else:
        orig = getattr(official, f'rf_lw{args.depth}')(
            args.num_classes, imagenet=False, pretrained=False)
    if args.checkpoint:
        orig.load_state_dict(rf.load_official(args.checkpoint), strict=True)
        weights = args.checkpoint
    else:
        randomise_batchnorm(orig, args.seed)
        weights = f'random init (seed {args.seed}), randomised BN'
    orig.eval()

    state_dict = orig.state_dict()
    default = rf.DEFAULT_CONFIG if args.variant == 'refinenet' else \
        lw.DEFAULT_CONFIG
    converted = rf.convert_checked(state_dict, args.config, default,
                                   'official model')
    depth, num_classes = rf.infer_depth_and_classes(state_dict)

    def evaluate_whole_image(model_cfg) -> None:
        if not args.config:
            model_cfg.backbone.depth = depth
        model_cfg.test_cfg = dict(mode='whole')
        model_cfg.data_preprocessor.pop('test_cfg', None)

    ours = build_target_model(
        args.config or default,
        num_classes,
        overrides=evaluate_whole_image,
        check_classes=bool(args.config),
        device='cpu')
    ours = revert_sync_batchnorm(ours)
    ours.load_state_dict(converted, strict=True)
    ours.eval()

    h, w = args.size
    g = torch.Generator().manual_seed(args.seed)
    rgb = torch.randint(0, 256, (1, 3, h, w), generator=g).float()
    mean = torch.tensor(MEAN).view(1, 3, 1, 1)
    std = torch.tensor(STD).view(1, 3, 1, 1)
    image = (rgb / 255. - mean) / std
    bgr = rgb[0].flip(0).to(torch.uint8)

    with torch.no_grad():
        ref = orig(image)
        tensor = ours(image, mode='tensor')
    pred, test = own_outputs(ours, image, bgr)
    ref_full = official_full_resolution(ref, (h, w))
    rows = {
        'forward(mode=tensor) vs official forward (1/4)':
        compare(tensor, ref),
        'predict vs official evaluation (H x W, bicubic)':
        compare(pred.seg_logits.data, ref_full),
        'test_step vs official evaluation (H x W, bicubic)':
        compare(test.seg_logits.data, ref_full),
    }
    report = dict(
        variant=args.variant,
        depth=depth,
        classes=num_classes,
        input=[1, 3, h, w],
        official_output=f'{list(ref.shape)} (1/4 resolution)',
        weights=weights,
        tensors_converted=len(converted),
        comparisons=rows,
        tol=args.tol)
    quarter = rows['forward(mode=tensor) vs official forward (1/4)']
    return finish_report(report, quarter['max_abs_diff'] <= args.tol, args.out)


if __name__ == '__main__':
    sys.exit(main())
