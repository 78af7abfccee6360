# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Training-step time of configs against a baseline, in one process.

All models are built first; then each round runs one step of every config
in turn (after a warm-up step each), so that all see the same machine
load. Per step the wall time and the CPU time of this process
(``time.process_time``, all its threads) are taken; the report gives
their medians over the rounds and the ratios to the first config, and the
median over the rounds of each round's CPU-time ratio to the first
config's step of that round ("paired", robust to load that drifts). On a
shared CPU, the CPU time is the figure to read: it counts the work done,
not the waiting for a core. On CUDA only the wall time (after a
synchronisation) means anything.

Example (the CamVid target of docs/benchmarks.md)::

    python tools/gpu_check/step_time_ratio.py --size 256 256 --batch 4 \\
        --rounds 5 --threads 1 configs/camvid/\\
deeplabv3plus_r18-c32-d16_1xb4-1500it_camvid-256x256.py \\
        configs/camvid/gscnn_r18-c32-d16_1xb4-1500it_camvid-256x256.py
"""
import argparse
import json
import os.path as osp
import statistics
import time
from typing import Dict, List

import torch
from gpu_check import build_model, make_data, make_wrapper
from mmengine.registry import init_default_scope


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('configs', nargs='+', help='baseline first')
    parser.add_argument('--size', type=int, nargs=2, default=[256, 256])
    parser.add_argument('--batch', type=int, default=4)
    parser.add_argument(
        '--num-classes',
        type=int,
        help='classes of the random labels (default: the decode head\'s)')
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--out', help='also write the figures as JSON')
    return parser.parse_args(argv)


def main(argv=None) -> Dict:
    args = parse_args(argv)
    if args.rounds < 3:
        raise SystemExit('--rounds must be >= 3 (medians)')
    init_default_scope('mmseg')
    torch.set_num_threads(args.threads)
    cuda = args.device.startswith('cuda')
    runs = []
    for config in args.configs:
        torch.manual_seed(0)
        model = build_model(config, args.size, args.device)
        wrapper = make_wrapper(model, 'fp32', args.device)
        data = make_data(args.size, args.batch, args.num_classes
                         or model.decode_head.num_classes)
        model.train_step(data, wrapper)  # warm-up
        runs.append(
            dict(model=model, wrapper=wrapper, data=data, wall=[], cpu=[]))
    for _ in range(args.rounds):
        for run in runs:
            wall, cpu = time.perf_counter(), time.process_time()
            run['model'].train_step(run['data'], run['wrapper'])
            if cuda:
                torch.cuda.synchronize()
            run['wall'].append(time.perf_counter() - wall)
            run['cpu'].append(time.process_time() - cpu)
    rows: List[Dict] = []
    for config, run in zip(args.configs, runs):
        rows.append(
            dict(
                config=osp.basename(config),
                wall_s=statistics.median(run['wall']),
                cpu_s=statistics.median(run['cpu']),
                wall_all=run['wall'],
                cpu_all=run['cpu']))
    for row in rows:
        row['wall_ratio'] = row['wall_s'] / rows[0]['wall_s']
        row['cpu_ratio'] = row['cpu_s'] / rows[0]['cpu_s']
        # per-round ratios to the baseline's step of the same round: robust
        # to load that drifts over the run
        row['cpu_ratio_paired'] = statistics.median(
            cpu / base
            for cpu, base in zip(row['cpu_all'], rows[0]['cpu_all']))
    print(f'{args.device}, {args.threads} threads, batch {args.batch} at '
          f'{args.size[0]}x{args.size[1]}, median of {args.rounds} '
          'interleaved rounds')
    print('| config | wall s | x base | CPU s | x base | x base, paired |\n'
          '|---|---:|---:|---:|---:|---:|')
    for r in rows:
        print(f"| {r['config']} | {r['wall_s']:.2f} | {r['wall_ratio']:.3f} "
              f"| {r['cpu_s']:.2f} | {r['cpu_ratio']:.3f} "
              f"| {r['cpu_ratio_paired']:.3f} |")
    result = dict(vars(args), rows=rows, torch=torch.__version__)
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=2)
    return result


if __name__ == '__main__':
    main()
