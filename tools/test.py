# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Test (evaluate) a checkpoint, with mmseg's flags.

Example::

    python tools/test.py CONFIG CHECKPOINT [--show-dir DIR] [--out DIR] [--tta]

For shape-stream models (Gated-SCNN) ``--out`` also writes the predicted
edge map of each image, ``DIR/<image>_edge.png``, and ``--show-dir`` draws it
(see docs/visualization.md).
"""
import argparse
import os
import os.path as osp

import mmseg_ext  # noqa: F401  (registration and stack fixes)
from mmseg_ext.engine import EdgeMapWriterHook
from mmseg_ext.visualization import EDGE_SUFFIX
from cpu_distributed import close_distributed
from run_config import (enable_visualization, load_run_config,
                        parse_cfg_options, set_iou_output_dir)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test (and eval) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--work-dir',
        help='the directory to save the file containing evaluation metrics')
    parser.add_argument(
        '--out',
        type=str,
        help='directory where painted-free prediction PNGs are saved '
        '(<image>.png; shape-stream models also <image>_edge.png, the '
        'predicted edge map, 8-bit, value / 255 = edge probability)')
    parser.add_argument(
        '--show', action='store_true', help='show prediction results')
    parser.add_argument(
        '--show-dir',
        help='directory where painted images will be saved (every image; '
        'image | ground truth | prediction [| predicted edges])')
    parser.add_argument(
        '--wait-time', type=float, default=2, help='the interval of show (s)')
    parse_cfg_options(parser)
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument(
        '--tta', action='store_true', help='Test time augmentation')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def main() -> None:
    args = parse_args()
    if not osp.isfile(args.checkpoint) and '://' not in args.checkpoint:
        raise SystemExit(f'checkpoint {args.checkpoint!r} does not exist')
    cfg = load_run_config(args.config, args.cfg_options, args.launcher,
                          args.work_dir)
    cfg.load_from = args.checkpoint
    if args.show or args.show_dir:
        enable_visualization(cfg, args.show, args.show_dir, args.wait_time)
    if args.tta:
        cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
        cfg.tta_model.module = cfg.model
        cfg.model = cfg.tta_model
    if args.out is not None:
        set_iou_output_dir(cfg, args.out)
        # Edge maps of shape-stream models beside IoUMetric's label maps.
        cfg.custom_hooks = list(cfg.get('custom_hooks', [])) + [
            dict(type='EdgeMapWriterHook', out_dir=args.out)
        ]

    from mmengine.runner import Runner
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    shown = ', '.join(f'{k}: {v}' for k, v in metrics.items())
    print(f'\n[mmseg_ext] test metrics: {shown}')
    if args.show_dir:
        print(f'[mmseg_ext] pictures: {args.show_dir}')
    if args.out:
        edge_writer = next(
            h for h in runner.hooks if isinstance(h, EdgeMapWriterHook))
        print(f'[mmseg_ext] prediction maps: {args.out} '
              f'({edge_writer.num_written} edge maps <image>{EDGE_SUFFIX})')
    close_distributed()


if __name__ == '__main__':
    main()
