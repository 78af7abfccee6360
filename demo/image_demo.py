# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Segment one image with a config and checkpoint of the package.

mmseg's ``demo/image_demo.py`` with its arguments, for every model of
mmseg_ext; shape-stream models (Gated-SCNN) also show their predicted edge
map, and ``--with-edge`` writes it as an 8-bit PNG (value / 255 = edge
probability) next to ``--out-file``::

    python demo/image_demo.py street.png CONFIG CHECKPOINT \\
        --out-file street_seg.png --device cpu --with-edge
    # street_seg.png: image | prediction [| predicted edges]
    # street_seg_edge.png: the edge map (shape-stream models)

See docs/visualization.md.
"""
import os.path as osp
from argparse import ArgumentParser, Namespace
from typing import List, Optional

import torch
from mmengine.model import revert_sync_batchnorm

import mmseg_ext  # noqa: F401  (registration and stack fixes)
from mmseg_ext.apis import show_result_pyplot
from mmseg_ext.visualization import EDGE_SUFFIX, write_edge_map


def parse_args(argv: Optional[List[str]] = None) -> Namespace:
    parser = ArgumentParser(description='Segment an image')
    parser.add_argument('img', help='Image file')
    parser.add_argument('config', help='Config file')
    parser.add_argument('checkpoint', help='Checkpoint file')
    parser.add_argument(
        '--out-file',
        default=None,
        help='Path to output file (else the picture is shown)')
    parser.add_argument(
        '--device',
        default='cuda:0' if torch.cuda.is_available() else 'cpu',
        help='Device used for inference (default: cuda:0, or cpu without '
        'CUDA)')
    parser.add_argument(
        '--opacity',
        type=float,
        default=0.5,
        help='Opacity of painted segmentation map. In (0, 1] range.')
    parser.add_argument(
        '--with-labels',
        action='store_true',
        default=False,
        help='Whether to display the class labels.')
    parser.add_argument(
        '--with-edge',
        action='store_true',
        default=False,
        help='Also write the predicted edge map of a shape-stream model as '
        f'an 8-bit PNG, <out-file stem>{EDGE_SUFFIX}')
    parser.add_argument(
        '--title', default='result', help='The image identifier.')
    args = parser.parse_args(argv)
    for name in ('img', 'config', 'checkpoint'):
        path = getattr(args, name)
        if not osp.isfile(path) and '://' not in path:
            parser.error(f'{name} {path!r} does not exist')
    if not 0 < args.opacity <= 1:
        parser.error(f'--opacity must be in (0, 1], got {args.opacity}')
    if args.with_edge and args.out_file is None:
        parser.error('--with-edge needs --out-file (the edge map is written '
                     f'to <out-file stem>{EDGE_SUFFIX})')
    return args


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    # After `import mmseg_ext`: mmseg.apis needs its stack fixes.
    from mmseg.apis import inference_model, init_model
    model = init_model(args.config, args.checkpoint, device=args.device)
    if not args.device.startswith('cuda'):
        model = revert_sync_batchnorm(model)
    result = inference_model(model, args.img)
    show_result_pyplot(
        model,
        args.img,
        result,
        title=args.title,
        opacity=args.opacity,
        with_labels=args.with_labels,
        draw_gt=False,
        show=args.out_file is None,
        out_file=args.out_file)
    if args.out_file is not None:
        print(f'segmentation: {args.out_file}')
    if not args.with_edge:
        return
    if 'pred_edge_map' not in result:
        print(f'no edge map: {osp.basename(args.config)} is not a '
              'shape-stream model (no pred_edge_map)')
        return
    edge_file = osp.splitext(args.out_file)[0] + EDGE_SUFFIX
    write_edge_map(result.pred_edge_map, edge_file, 'image_demo')
    print(f'edge map: {edge_file}')


if __name__ == '__main__':
    main()
