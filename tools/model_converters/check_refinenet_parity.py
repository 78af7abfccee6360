# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Compare the logits of an official (Light-Weight) RefineNet and ours.

Given the source tree of DrSleep/refinenet-pytorch (``--variant
refinenet``) or DrSleep/light-weight-refinenet (``--variant lw``), this
builds the official model, loads ``--checkpoint`` into it (or keeps its
random initialisation, with randomised BatchNorm statistics and affine
parameters so that a wrong BatchNorm mapping cannot hide), converts its
state dict with the converter of this package, loads the result into our
model (strictly) and runs both in eval mode on the same random input. The
1/4-resolution logits are compared and the max abs difference printed.

The source tree is only imported from the given path; nothing of it is
copied. Example::

    python tools/model_converters/check_refinenet_parity.py \\
        /path/to/refinenet-pytorch --variant refinenet --size 225 317
    python tools/model_converters/check_refinenet_parity.py \\
        /path/to/light-weight-refinenet --variant lw --depth 50
"""
import argparse
import importlib
import os.path as osp
import sys
import time

import torch

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
import refinenet2mmseg as rf  # noqa: E402

LW_CONFIG = osp.join(rf.REPO_ROOT, 'configs', 'refinenet',
                     'lw-refinenet_r50b-d32_4xb4-40k_voc12aug-512x512.py')


def parse_args() -> argparse.Namespace:
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
    parser.add_argument('--config', help='config of our model')
    parser.add_argument(
        '--size', type=int, nargs=2, default=(225, 317), help='input H W')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--tol',
        type=float,
        default=1e-4,
        help='largest accepted max|diff| / max|logit|')
    return parser.parse_args()


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


def main() -> None:
    args = parse_args()
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
        weights = 'random init (seed {}), randomised BN'.format(args.seed)
    orig.eval()

    state_dict = orig.state_dict()
    depth, num_classes = rf.infer_depth_and_classes(state_dict)
    converted, unmapped = rf.convert_refinenet(state_dict)
    config = args.config or (rf.DEFAULT_CONFIG
                             if args.variant == 'refinenet' else LW_CONFIG)
    ours = rf.build_model(config, depth, num_classes)
    rf.check_against_model(converted, unmapped, ours, 'official model')
    ours.load_state_dict(converted, strict=True)
    ours.eval()

    g = torch.Generator().manual_seed(args.seed)
    x = torch.randn(1, 3, *args.size, generator=g)
    with torch.no_grad():
        t0 = time.perf_counter()
        ref = orig(x)
        t1 = time.perf_counter()
        out = ours.decode_head(ours.extract_feat(x))
        t2 = time.perf_counter()
    if ref.shape != out.shape:
        raise SystemExit(f'shape mismatch: official {tuple(ref.shape)}, '
                         f'ours {tuple(out.shape)}')
    diff = (ref - out).abs().max().item()
    scale = ref.abs().max().item()
    agree = (ref.argmax(1) == out.argmax(1)).float().mean().item()
    print(f'variant: {args.variant}, ResNet-{depth}, {num_classes} classes, '
          f'weights: {weights}')
    print(f'input 1x3x{args.size[0]}x{args.size[1]} -> logits '
          f'{tuple(ref.shape)}; {len(converted)} tensors converted')
    print(f'max |official - ours| = {diff:.3e}; max |official| = '
          f'{scale:.3e}; relative = {diff / max(scale, 1e-12):.3e}; '
          f'argmax agreement = {100 * agree:.2f}%')
    print(f'CPU forward: official {t1 - t0:.2f} s, ours {t2 - t1:.2f} s')
    if diff > args.tol * max(scale, 1e-12):
        raise SystemExit(f'FAILED: relative difference above {args.tol}')
    print('PASSED')


if __name__ == '__main__':
    main()
