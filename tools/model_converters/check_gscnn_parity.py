# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Check that a converted official Gated-SCNN gives the official logits.

Builds the official model from a checkout of nv-tlabs/GSCNN (random
weights with randomised BatchNorm statistics, or ``--checkpoint``),
converts its state dict with ``gscnn2mmseg.py`` (dropping every
``num_batches_tracked``, as torch-encoding SyncBN checkpoints do), loads it
into the model of ``--config``, runs both on the same image and prints the
largest absolute differences of the edge probabilities, of the decoder
logits (1/2 resolution) and of the full-resolution seg logits.

Both models get the *same* image-gradient map: the official ``forward``
computes Canny on the normalised tensor cast to uint8 (GSCNN issue 22), so
this script replaces its ``cv2.Canny`` (at run time, in memory) by our
Canny of the un-normalised image, scaled to the official 0/255. It also
makes ``Tensor.cuda`` a no-op when there is no GPU, provides stand-ins for
the two packages the official imports need but never call in ``forward``
(``six``, ``torchvision``) when they are missing, and restores the
``torch.nn.Dropout`` that the official WRN constructor replaces globally.
Nothing in the official tree is modified.

Example::

    python tools/model_converters/check_gscnn_parity.py /path/to/GSCNN \\
        --size 97 161
"""
import argparse
import contextlib
import importlib
import os.path as osp
import sys
import types
from typing import Dict, Iterator

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
import gscnn2mmseg  # noqa: E402

MEAN = np.array([0.485, 0.456, 0.406]) * 255
STD = np.array([0.229, 0.224, 0.225]) * 255


def _stub_missing(name: str, **attrs) -> None:
    """Insert a stand-in module when ``name`` cannot be imported."""
    try:
        importlib.import_module(name)
    except ImportError:
        parts = name.split('.')
        for i in range(1, len(parts) + 1):
            mod_name = '.'.join(parts[:i])
            module = sys.modules.setdefault(mod_name,
                                            types.ModuleType(mod_name))
            if i > 1:
                setattr(sys.modules['.'.join(parts[:i - 1])], parts[i - 1],
                        module)
        for key, value in attrs.items():
            setattr(sys.modules[name], key, value)


def _unused(*args, **kwargs):
    raise RuntimeError('stand-in: not used by the Gated-SCNN forward')


def build_official(root: str, num_classes: int) -> torch.nn.Module:
    """The official ``network.gscnn.GSCNN`` (eval mode)."""
    if not osp.isfile(osp.join(root, 'network', 'gscnn.py')):
        raise SystemExit(f'error: {root} is not a nv-tlabs/GSCNN checkout '
                         '(no network/gscnn.py)')
    sys.path.insert(0, root)
    _stub_missing('six', string_types=(str, ))
    _stub_missing('torchvision.transforms.functional', pad=_unused)
    dropout = torch.nn.Dropout
    try:
        gscnn = importlib.import_module('network.gscnn')
        model = gscnn.GSCNN(
            num_classes=num_classes, trunk=None, criterion=None)
    finally:
        torch.nn.Dropout = dropout  # the WRN constructor replaces it
    return model.eval()


def randomise_norm_layers(model: torch.nn.Module, seed: int) -> None:
    """Non-trivial BatchNorm statistics and affine parameters."""
    g = torch.Generator().manual_seed(seed)
    for m in model.modules():
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            n = m.num_features
            m.running_mean.copy_(torch.randn(n, generator=g) * 0.1)
            m.running_var.copy_(torch.rand(n, generator=g) * 0.5 + 0.75)
            m.weight.data.copy_(torch.rand(n, generator=g) * 0.5 + 0.75)
            m.bias.data.copy_(torch.randn(n, generator=g) * 0.1)


@contextlib.contextmanager
def official_canny(module: types.ModuleType, maps: np.ndarray,
                   device: torch.device) -> Iterator[None]:
    """Make the official forward use ``maps`` (N, H, W) uint8 0/255."""
    queue = iter(maps)
    saved_cv2, saved_cuda = module.cv2, torch.Tensor.cuda
    module.cv2 = types.SimpleNamespace(Canny=lambda *args: next(queue))
    if device.type != 'cuda':
        torch.Tensor.cuda = lambda self, *args, **kwargs: self
    try:
        yield
    finally:
        module.cv2, torch.Tensor.cuda = saved_cv2, saved_cuda


def max_diffs(ours: torch.Tensor, theirs: torch.Tensor) -> Dict[str, float]:
    diff = (ours.double() - theirs.double()).abs().max().item()
    return dict(max_abs_diff=diff, max_abs=theirs.abs().max().item())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('official_root', help='nv-tlabs/GSCNN checkout')
    parser.add_argument('--checkpoint', help='official checkpoint (.pth)')
    parser.add_argument('--config', default=gscnn2mmseg.DEFAULT_CONFIG)
    parser.add_argument(
        '--size', type=int, nargs=2, default=(97, 161), metavar=('H', 'W'))
    parser.add_argument('--num-classes', type=int, default=19)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--tol',
        type=float,
        default=1e-4,
        help='fail above this max abs difference')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--no-weights-only', action='store_true')
    args = parser.parse_args()
    device = torch.device(args.device)
    torch.manual_seed(args.seed)

    official = build_official(args.official_root, args.num_classes)
    if args.checkpoint:
        state = gscnn2mmseg.load_official(args.checkpoint,
                                          not args.no_weights_only)
        result = official.load_state_dict(state, strict=False)
        missing = [
            k for k in result.missing_keys
            if not k.endswith('num_batches_tracked')
        ]
        if missing or result.unexpected_keys:
            raise SystemExit(
                f'error: {args.checkpoint} does not fit the official model: '
                f'missing {missing[:10]}, unexpected '
                f'{result.unexpected_keys[:10]}')
    else:
        randomise_norm_layers(official, args.seed)
    official.to(device)
    state = {
        f'module.{k}': v
        for k, v in official.state_dict().items()
        if not k.endswith('num_batches_tracked')
    }
    converted, unmapped = gscnn2mmseg.convert_gscnn(
        gscnn2mmseg.unwrap_state_dict({'state_dict': state}))
    ours = gscnn2mmseg.build_model(args.config, args.num_classes, 'cpu')
    converted = gscnn2mmseg.check_against_model(converted, unmapped, ours,
                                                'official model')
    ours.load_state_dict(converted, strict=True)
    ours.to(device).eval()

    g = torch.Generator().manual_seed(args.seed)
    h, w = args.size
    raw = torch.randint(
        0, 256, (1, 3, h // 8 + 1, w // 8 + 1), generator=g).float()
    raw = F.interpolate(raw, size=(h, w), mode='bilinear').round()
    image = (raw - torch.tensor(MEAN).view(1, 3, 1, 1).float()) / \
        torch.tensor(STD).view(1, 3, 1, 1).float()
    image, raw = image.to(device), raw.to(device)
    with torch.no_grad():
        gradient = ours.image_gradient(raw)  # (1, 1, H, W) in {0, 1}
        canny = (gradient[:, 0] * 255).byte().cpu().numpy()
        captured = {}
        hook = official.final_seg.register_forward_hook(
            lambda m, i, o: captured.setdefault('logits', o))
        with official_canny(sys.modules['network.gscnn'], canny, device):
            seg_out, edge_out = official(image)
        hook.remove()
        feats = ours.neck(ours.backbone(image), gradient)
        logits = ours.decode_head.forward(feats)
        full = F.interpolate(
            logits, size=(h, w), mode='bilinear', align_corners=False)
        edge = torch.sigmoid(feats.edge_logits)
    rows = [('edge probabilities (H x W)', edge, edge_out),
            ('decoder logits (1/2)', logits, captured['logits']),
            ('seg logits (H x W)', full, seg_out)]
    weights = f'checkpoint {args.checkpoint}' if args.checkpoint \
        else 'random weights'
    print(f'input 1x3x{h}x{w}, {weights}, {len(converted)} converted '
          f'tensors, device {device}')
    failed = False
    for name, a, b in rows:
        d = max_diffs(a, b)
        failed |= d['max_abs_diff'] > args.tol
        print(f'  {name:28s} max |ours - official| = '
              f'{d["max_abs_diff"]:.3e}  (max |official| = '
              f'{d["max_abs"]:.3e})')
    print('FAIL' if failed else 'OK', f'(tol {args.tol:g})')
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
