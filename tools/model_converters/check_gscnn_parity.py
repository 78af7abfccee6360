# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Check that a converted official Gated-SCNN gives the official outputs.

Builds the official model from a checkout of nv-tlabs/GSCNN (random
weights with randomised BatchNorm statistics, or ``--checkpoint``),
converts its state dict with ``gscnn2mmseg.py`` (every
``num_batches_tracked`` dropped, as in torch-encoding SyncBN checkpoints),
loads it strictly into the model of ``--config`` and compares, on the same
image, the official ``forward`` (full-resolution seg logits and edge
probabilities) with the model's *own* inference outputs:

* ``predict`` on the official normalised input tensor, at input size
  (``seg_logits`` and ``pred_edge_map`` of the returned data sample);
* ``test_step`` on the raw BGR ``uint8`` image, through the model's data
  preprocessor (normalisation included);
* and, to locate a difference, the decoder logits at 1/2 resolution (the
  output of ``final_seg`` / ``decode_head.conv_seg``).

No output is resized by this script. Both models get the same image
gradient: the official ``forward`` computes Canny on the normalised tensor
cast to uint8 (GSCNN issue 22), so its ``cv2.Canny`` is replaced at run
time by the map our model computed (captured at the neck's input), scaled
to the official 0/255. ``official_gscnn.py`` also makes ``Tensor.cuda`` a
no-op when there is no GPU, provides stand-ins for two packages the
official imports need but its ``forward`` never calls (``six``,
``torchvision``) and restores the ``torch.nn.Dropout`` that the official
WRN constructor replaces globally. Nothing in the official tree is
modified.

Example::

    python tools/model_converters/check_gscnn_parity.py /path/to/GSCNN \\
        --size 161 353
"""
import argparse
import contextlib
import sys
from typing import Iterator, List

import gscnn2mmseg
import torch

from conversion_checks import build_target_model
from official_gscnn import (build_official, import_official, official_canny,
                            randomise_norm_layers)
from parity_checks import compare, finish_report, own_outputs

#: The official transforms: ToTensor (x / 255), then these (RGB).
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)


@contextlib.contextmanager
def capture(module: torch.nn.Module,
            store: List[torch.Tensor],
            pre: bool = False,
            arg: int = 1) -> Iterator[None]:
    """Append ``module``'s output (or, with ``pre``, its positional input
    ``arg``) to ``store`` on every call."""
    if pre:
        handle = module.register_forward_pre_hook(
            lambda m, args: store.append(args[arg].detach().clone()))
    else:
        handle = module.register_forward_hook(
            lambda m, i, o: store.append(o.detach().clone()))
    try:
        yield
    finally:
        handle.remove()


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('official_root', help='nv-tlabs/GSCNN checkout')
    parser.add_argument('--checkpoint', help='official checkpoint (.pth)')
    parser.add_argument(
        '--config',
        help='our config (default: the converter\'s, with --num-classes)')
    parser.add_argument(
        '--size', type=int, nargs=2, default=(161, 353), metavar=('H', 'W'))
    parser.add_argument('--num-classes', type=int, default=19)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--tol',
        type=float,
        default=1e-5,
        help='fail above this max abs difference (full-resolution outputs)')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--no-weights-only', action='store_true')
    parser.add_argument('--out', help='also write the figures as JSON')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    from mmengine.model import revert_sync_batchnorm
    args = parse_args(argv)
    device = torch.device(args.device)
    torch.manual_seed(args.seed)

    module = import_official(args.official_root)
    official = build_official(module, args.num_classes)
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
        k: v
        for k, v in official.state_dict().items()
        if not k.endswith('num_batches_tracked')
    }
    converted = gscnn2mmseg.convert_checked(state, args.config,
                                            'official model')
    ours = build_target_model(
        args.config or gscnn2mmseg.DEFAULT_CONFIG,
        args.num_classes,
        check_classes=bool(args.config),
        device='cpu')
    ours = revert_sync_batchnorm(ours)
    ours.load_state_dict(converted, strict=True)
    ours.to(device).eval()

    g = torch.Generator().manual_seed(args.seed)
    h, w = args.size
    # A smooth random RGB image with integer values (edges for Canny).
    rgb = torch.randint(0, 256, (1, 3, h // 8 + 1, w // 8 + 1), generator=g)
    rgb = torch.nn.functional.interpolate(
        rgb.float(), size=(h, w), mode='bilinear').round().clamp(0, 255)
    mean = torch.tensor(MEAN).view(1, 3, 1, 1)
    std = torch.tensor(STD).view(1, 3, 1, 1)
    image = ((rgb / 255. - mean) / std).to(device)
    bgr = rgb[0].flip(0).to(torch.uint8)

    gradients, decoder, official_decoder = [], [], []
    with capture(ours.neck, gradients, pre=True), \
            capture(ours.decode_head.conv_seg, decoder):
        pred, test = own_outputs(ours, image, bgr)
    canny = (gradients[0][:, 0] * 255).round().byte().cpu().numpy()
    with torch.no_grad(), official_canny(module, canny, device), \
            capture(official.final_seg, official_decoder):
        seg_out, edge_out = official(image)

    rows = {
        'predict seg_logits (H x W)': compare(pred.seg_logits.data,
                                              seg_out[0]),
        'test_step seg_logits (H x W)': compare(test.seg_logits.data,
                                                seg_out[0]),
        'decoder logits (1/2), predict': compare(decoder[0],
                                                 official_decoder[0]),
    }
    if 'pred_edge_map' in pred:
        rows['predict pred_edge_map (H x W)'] = compare(
            pred.pred_edge_map.data, edge_out[0])
        rows['test_step pred_edge_map (H x W)'] = compare(
            test.pred_edge_map.data, edge_out[0])
    report = dict(
        input=[1, 3, h, w],
        weights=args.checkpoint or f'random, randomised BN (seed '
        f'{args.seed})',
        tensors_converted=len(converted),
        device=str(device),
        canny_same_in_predict_and_test_step=bool(
            torch.equal(gradients[0], gradients[1])),
        comparisons=rows,
        tol=args.tol)
    full_res = [v for k, v in rows.items() if '(H x W)' in k]
    return finish_report(report,
                         all(r['max_abs_diff'] <= args.tol for r in full_res),
                         args.out)


if __name__ == '__main__':
    sys.exit(main())
