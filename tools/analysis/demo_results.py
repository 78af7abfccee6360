# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Train every head on the embedded demo data the same way, evaluate each
final checkpoint with one evaluator, and write a table and a figure.

Example (what produced docs/demo_results.md)::

    python tools/analysis/demo_results.py --train \\
        --table work_dirs/demo_results/table.md \\
        --figure docs/figures/demo_results.png

Without ``--train`` only configs whose work dir already holds the final
checkpoint are evaluated; the others are listed as missing.
"""
import argparse
import json
import os.path as osp
import subprocess
import sys
from typing import Dict, List, Optional, Sequence

import mmseg_ext  # noqa: F401  (registration and stack fixes)
from benchmarking.demo_results import (BOUNDARY_KEYS, DEFAULT_RUNS, DemoRun,
                                       cached_metrics, draw_predictions,
                                       evaluate_checkpoint, final_checkpoint,
                                       format_table, save_metrics,
                                       train_seconds_per_iter)

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


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


def parse_runs(items: Optional[List[str]]) -> List[DemoRun]:
    if not items:
        return [
            DemoRun(name, osp.join(REPO_ROOT, config))
            for name, config in DEFAULT_RUNS
        ]
    runs = []
    for item in items:
        if '=' not in item:
            raise SystemExit(f'--configs: expected NAME=CONFIG, got {item!r}')
        name, config = item.split('=', 1)
        runs.append(DemoRun(name, config))
    return runs


def train(run: DemoRun, work_dir: str) -> None:
    cmd = [
        sys.executable,
        osp.join(REPO_ROOT, 'tools', 'train.py'), run.config, '--work-dir',
        work_dir
    ]
    print(f'[demo_results] training {run.name}: {" ".join(cmd)}', flush=True)
    proc = subprocess.run(cmd)
    if proc.returncode != 0:
        raise SystemExit(f'[demo_results] training {run.config} failed '
                         f'(exit {proc.returncode}); its log is in {work_dir}')


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
            train(run, work_dir)
            checkpoint = final_checkpoint(run.config, work_dir)
        if checkpoint is None:
            print(f'[demo_results] {run.name}: no final checkpoint in '
                  f'{work_dir} (pass --train)')
            results[run.name] = dict(config=run.config, missing=True)
            continue
        eval_dir = osp.join(work_dir, 'eval')
        cache = osp.join(eval_dir, 'demo_results_metrics.json')
        found = cached_metrics(cache, checkpoint) if args.reuse else None
        if found is None:
            metrics, info = evaluate_checkpoint(run.config, checkpoint,
                                                eval_dir, args.device)
            save_metrics(cache, checkpoint, metrics, info)
        else:
            metrics, info = found
            print(f'[demo_results] {run.name}: metrics of {checkpoint} '
                  f'reused from {cache}')
        results[run.name] = dict(
            config=run.config,
            checkpoint=checkpoint,
            metrics=metrics,
            train_s_per_iter=train_seconds_per_iter(work_dir),
            **info)
        evaluated.append((run, checkpoint))
    table = format_table(results)
    print(table)
    if args.table:
        with open(args.table, 'w') as f:
            f.write(table + '\n')
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(results, f, indent=2)
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
