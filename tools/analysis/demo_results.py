# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Train every head on the embedded demo data the same way (``--train``),
evaluate each final checkpoint with one evaluator, and write a table and a
figure: docs/demo_results.md.
"""
import argparse
import os.path as osp
from typing import Dict, List, Optional, Sequence

import mmseg_ext  # noqa: F401  (registration and stack fixes)
from benchmarking.run_results import (Run, cell, draw_predictions,
                                      evaluate_cached, final_checkpoint,
                                      markdown_table, train_run,
                                      train_seconds_per_iter, write_outputs)

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
BOUNDARY_KEYS = ['BF@1px', 'BF@2px', 'BF@3px', 'BF@5px', 'BIoU']
EVALUATOR = [
    dict(type='IoUMetric', iou_metrics=['mIoU']),
    dict(
        type='BoundaryFScore', tolerances=(1, 2, 3, 5),
        tolerance_unit='pixel'),
    dict(type='BoundaryIoU'),
]
# (row name, config relative to the repository root)
DEFAULT_RUNS = [
    ('FCN (mmseg FCNHead)',
     'configs/demo/fcn_r18-c32-d16_1xb4-1k_demo-cityscapes-256x512.py'),
    ('PSPNet (mmseg PSPHead)',
     'configs/demo/pspnet_r18-c32-d16_1xb4-1k_demo-cityscapes-256x512.py'),
    ('DeepLabV3+ (mmseg DepthwiseSeparableASPPHead)',
     'configs/gscnn/deeplabv3plus_r18-c32-d16_1xb4-1k_demo-cityscapes-'
     '256x512.py'),
    ('PSPUpsampleHead + ClassPresenceHead',
     'configs/pspnet/psp-upsample_r18-c32_1xb4-1k_demo-cityscapes-256x512.py'),
    ('RefineNetHead',
     'configs/refinenet/refinenet_r18-c32_1xb4-1k_demo-cityscapes-256x512.py'),
    ('LightWeightRefineNetHead',
     'configs/refinenet/lw-refinenet_r18-c32_1xb4-1k_demo-cityscapes-'
     '256x512.py'),
    ('GSCNNHead (Gated-SCNN)',
     'configs/gscnn/gscnn_r18-c32-d16_1xb4-1k_demo-cityscapes-256x512.py'),
    ('GSCNNSepASPPHead (DeepLabV3+ head + shape stream)',
     'configs/gscnn/gscnn-deeplabv3plus_r18-c32-d16_1xb4-1k_demo-'
     'cityscapes-256x512.py'),
]


def format_table(results: Dict[str, dict]) -> str:
    """Markdown table of the runs: parameters, mIoU, boundary metrics (the
    logged training speed, which depends on the machine's load, stays in
    the JSON; docs/benchmarks.md measures speed side by side)."""
    keys = ['mIoU'] + BOUNDARY_KEYS
    rows = []
    for name, r in results.items():
        if r.get('missing'):
            rows.append([name, 'not trained'] + [''] * len(keys))
        else:
            rows.append([name, cell(r['params_m'], 2)] +
                        [cell(r['metrics'].get(k), 2) for k in keys])
    return markdown_table(['model', 'params (M)'] + keys, rows)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Head-to-head results on the embedded demo data')
    parser.add_argument(
        '--configs',
        nargs='+',
        metavar='NAME=CONFIG',
        help='runs as "row name=config path" (default: every head of '
        'mmseg_ext plus mmseg FCN, PSPHead and DeepLabV3+ demo configs)')
    parser.add_argument(
        '--work-root',
        default='work_dirs/demo_results',
        help='one work dir per config below it, named after the config')
    parser.add_argument(
        '--train',
        action='store_true',
        help='train the configs whose final checkpoint is missing, one '
        'after the other, with tools/train.py')
    parser.add_argument(
        '--table', help='write the Markdown table here (also printed)')
    parser.add_argument('--json', help='write every figure as JSON here')
    parser.add_argument(
        '--figure', help='PNG of side-by-side predictions on val images')
    parser.add_argument(
        '--images',
        type=int,
        nargs='+',
        default=[0, 7, 21],
        help='val image indices of the figure')
    parser.add_argument(
        '--reuse',
        action='store_true',
        help='reuse the metrics saved by an earlier evaluation of the same '
        'checkpoint file instead of evaluating it again')
    parser.add_argument('--device', default='cpu')
    return parser.parse_args(argv)


def parse_runs(items: Optional[List[str]]) -> List[Run]:
    if not items:
        return [
            Run(name, osp.join(REPO_ROOT, config))
            for name, config in DEFAULT_RUNS
        ]
    runs = []
    for item in items:
        if '=' not in item:
            raise SystemExit(f'--configs: expected NAME=CONFIG, got {item!r}')
        name, config = item.split('=', 1)
        runs.append(Run(name, config))
    return runs


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, dict]:
    args = parse_args(argv)
    runs = parse_runs(args.configs)
    for run in runs:
        if not osp.isfile(run.config):
            raise SystemExit(f'config file {run.config!r} does not exist')
    results: Dict[str, dict] = {}
    evaluated = []
    for run in runs:
        work_dir = osp.join(args.work_root, run.config_name)
        checkpoint = final_checkpoint(run.config, work_dir)
        if checkpoint is None and args.train:
            train_run(run.config, work_dir, 'demo_results')
            checkpoint = final_checkpoint(run.config, work_dir)
        if checkpoint is None:
            print(f'[demo_results] {run.name}: no final checkpoint in '
                  f'{work_dir} (pass --train)')
            results[run.name] = dict(config=run.config, missing=True)
            continue
        metrics, info = evaluate_cached(run.config, checkpoint,
                                        osp.join(work_dir, 'eval'), EVALUATOR,
                                        args.reuse, args.device,
                                        'demo_results')
        results[run.name] = dict(
            config=run.config,
            checkpoint=checkpoint,
            metrics=metrics,
            train_s_per_iter=train_seconds_per_iter(work_dir),
            **info)
        evaluated.append((run, checkpoint))
    write_outputs(format_table(results), args.table, results, args.json)
    if args.figure and evaluated:
        draw_predictions(evaluated, args.images, args.figure, args.device)
        print(f'[demo_results] figure: {args.figure}')
    missing = [name for name, r in results.items() if r.get('missing')]
    if missing:
        print(f'[demo_results] not trained yet: {", ".join(missing)}; '
              f'the table lacks them. Boundary keys: {BOUNDARY_KEYS}')
    return results


if __name__ == '__main__':
    main()
