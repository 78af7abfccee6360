# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Train and test every CamVid model the same way and write the result
tables, a figure of test predictions and the training curves.

Each run (config and seed) trains with ``tools/train.py`` into
``WORK_ROOT/<config name>[_seed<N>]``; its checkpoint is picked on ``val``
(best mIoU) and tested on all of ``test``, whole frames, single scale.
What produced docs/camvid_results.md::

    python tools/analysis/camvid_results.py --train \\
        --markdown work_dirs/camvid/results.md \\
        --json work_dirs/camvid/results.json \\
        --figure docs/figures/camvid_test_predictions.jpg \\
        --curves docs/figures/camvid_curves.png

Without ``--train`` only runs that already validated are tested, the others
are listed as not trained. ``--runs`` picks rows by config key and seed
(``gscnn:1``).
"""
import argparse
import json
import os.path as osp
import subprocess
import sys
from typing import Dict, List, Optional, Sequence

import mmseg_ext  # noqa: F401  (registration and stack fixes)
from benchmarking import camvid_results as camvid
from benchmarking import per_class_iou  # noqa: F401  (PerClassIoUMetric)
from benchmarking.demo_results import (DemoRun, cached_metrics,
                                       draw_predictions, evaluate_checkpoint,
                                       save_metrics)

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Train and test the configs/camvid models')
    parser.add_argument(
        '--runs',
        nargs='+',
        metavar='KEY[:SEED]',
        help='rows to include, by config key (the config name before '
        '"_r18") and seed (default 0), e.g. gscnn gscnn:1 fcn:2 (default: '
        'the runs of docs/camvid_results.md)')
    parser.add_argument(
        '--config-dir',
        help='read the configs from here instead of configs/camvid')
    parser.add_argument('--work-root', default='work_dirs/camvid')
    parser.add_argument(
        '--train',
        action='store_true',
        help='train the runs that have no best checkpoint yet, one after '
        'the other')
    parser.add_argument('--markdown', help='write the tables here')
    parser.add_argument('--json', help='write every figure as JSON here')
    parser.add_argument('--figure', help='picture of test predictions')
    parser.add_argument(
        '--images',
        type=int,
        nargs='+',
        default=[12, 23, 119],
        help='test image indices of the figure (default: a bicyclist, '
        'pedestrians and cars, poles)')
    parser.add_argument('--curves', help='PNG of the training curves')
    parser.add_argument(
        '--reuse',
        action='store_true',
        help='reuse the saved test metrics of an unchanged checkpoint')
    parser.add_argument('--device', default='cpu')
    return parser.parse_args(argv)


def select_runs(args: argparse.Namespace) -> List[camvid.CamVidRun]:
    runs = camvid.default_runs(REPO_ROOT)
    if args.config_dir:
        runs = [
            r._replace(
                config=osp.join(args.config_dir, osp.basename(r.config)))
            for r in runs
        ]
    if not args.runs:
        return runs
    by_key = {}
    for run in runs:
        by_key.setdefault(run.config_name.split('_r18')[0], run)
    chosen = []
    for item in args.runs:
        key, _, seed = item.partition(':')
        if key not in by_key or (seed and not seed.isdigit()):
            raise SystemExit(f'--runs: expected KEY[:SEED] with KEY one of '
                             f'{", ".join(by_key)}, got {item!r}')
        chosen.append(by_key[key]._replace(seed=int(seed or 0)))
    return chosen


def train(run: camvid.CamVidRun, work_dir: str) -> None:
    cmd = [
        sys.executable,
        osp.join(REPO_ROOT, 'tools', 'train.py'), run.config, '--work-dir',
        work_dir, '--cfg-options', f'randomness.seed={run.seed}'
    ]
    print(f'[camvid_results] training: {" ".join(cmd)}', flush=True)
    if subprocess.run(cmd).returncode != 0:
        raise SystemExit(f'[camvid_results] training {run.config} (seed '
                         f'{run.seed}) failed; its log is in {work_dir}')


def evaluate(run: camvid.CamVidRun, work_dir: str, checkpoint: str,
             reuse: bool, device: str) -> dict:
    eval_dir = osp.join(work_dir, 'test_eval')
    cache = osp.join(eval_dir, 'camvid_results_metrics.json')
    found = cached_metrics(cache, checkpoint) if reuse else None
    if found is None:
        metrics, info = evaluate_checkpoint(
            run.config,
            checkpoint,
            eval_dir,
            device,
            evaluator=camvid.test_evaluator(run.config))
        save_metrics(cache, checkpoint, metrics, info)
    else:
        metrics, info = found
        print(f'[camvid_results] {camvid.row_label(run)}: test metrics reused '
              f'from {cache}')
    return dict(metrics=metrics, **info)


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, dict]:
    args = parse_args(argv)
    runs = select_runs(args)
    for run in runs:
        if not osp.isfile(run.config):
            raise SystemExit(f'config file {run.config!r} does not exist')
    results: Dict[str, dict] = {}
    for run in runs:
        work_dir = osp.join(args.work_root, run.work_dir_name)
        best = camvid.best_checkpoint(work_dir)
        if best is None and args.train:
            train(run, work_dir)
            best = camvid.best_checkpoint(work_dir)
        row = dict(
            name=run.name, seed=run.seed, config=run.config, work_dir=work_dir)
        results[camvid.row_label(run)] = row
        if best is None:
            print(f'[camvid_results] {camvid.row_label(run)}: no best_mIoU '
                  f'checkpoint in {work_dir} (pass --train)')
            row['missing'] = True
            continue
        checkpoint, iteration = best
        row.update(
            checkpoint=checkpoint,
            best_iter=iteration,
            val_mIoU=camvid.val_score(work_dir, iteration),
            s_per_iter=camvid.median_iter_seconds(work_dir),
            wall_s=camvid.run_wall_seconds(work_dir),
            **evaluate(run, work_dir, checkpoint, args.reuse, args.device))
    trained = [r for r in results.values() if not r.get('missing')]
    classes = [
        k[len('IoU.'):] for k in (trained[0]['metrics'] if trained else {})
        if k.startswith('IoU.')
    ]
    spread = camvid.seed_spread(results)
    sections = [('Test results', camvid.format_main_table(results)),
                ('Per-class test IoU',
                 camvid.format_class_table(results, classes)),
                ('Seeds', camvid.format_seed_table(spread) if spread else '-'),
                ('Cost', camvid.format_cost_table(results)),
                ('Published, same split', camvid.format_published())]
    markdown = '\n\n'.join(f'### {title}\n\n{body}'
                           for title, body in sections)
    print(markdown)
    if args.markdown:
        with open(args.markdown, 'w') as f:
            f.write(markdown + '\n')
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(dict(runs=results, seeds=spread), f, indent=2)
    seed0 = [(DemoRun(r['name'], r['config']), r['checkpoint'])
             for r in trained if r['seed'] == 0]
    if args.figure and seed0:
        draw_predictions(
            seed0,
            args.images,
            args.figure,
            args.device,
            scale=0.5,
            edges=True)
        print(f'[camvid_results] figure: {args.figure}')
    if args.curves and trained:
        camvid.plot_curves([(camvid.row_label(run), r['work_dir'])
                            for run, r in zip(runs, results.values())
                            if not r.get('missing') and r['seed'] == 0],
                           args.curves)
        print(f'[camvid_results] curves: {args.curves}')
    return results


if __name__ == '__main__':
    main()
