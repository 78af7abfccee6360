# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Where the time of one training step goes, per part of the model.

Profiles ``train_step`` of each config with ``torch.profiler`` (after a
warm-up step; the configs in turn, round after round, so that all see the
same machine load; medians over the rounds), every part wrapped in a
``record_function`` region: data preprocessor, backbone, image gradient
(Canny), neck, edge fusion, decode head forward, the head's
``loss_by_feat``, each shape-stream loss and the optimizer step.
Forward operators are charged to the region they run in, backward ones
(``evaluate_function: ...Backward``) to the region of the forward
operator with the same autograd sequence number, so the table gives
forward and backward self time per part ("other": the auxiliary head and
what runs outside the regions). Time outside every operator (Python) is
the step's wall time minus the charged time.

Example (the CamVid comparison of docs/benchmarks.md)::

    OMP_NUM_THREADS=1 python tools/gpu_check/profile_step.py \\
        --steps 3 configs/camvid/\\
deeplabv3plus_r18-c32-d16_1xb4-1500it_camvid-256x256.py \\
        configs/camvid/gscnn_r18-c32-d16_1xb4-1500it_camvid-256x256.py
"""
import argparse
import collections
import functools
import json
import os.path as osp
import statistics
import time
from typing import Dict, List, Optional

import torch
from gpu_check import build_model, make_data, make_wrapper
from mmengine.registry import init_default_scope
from torch.profiler import ProfilerActivity, profile, record_function

#: Regions: attribute path on the segmentor -> method to wrap.
PARTS = {
    'data_preprocessor': 'forward',
    'backbone': 'forward',
    'image_gradient': 'forward',
    'neck': 'forward',
    'edge_fusion': 'forward',
    'decode_head': 'forward',
    'decode_head.loss_by_feat': None,
    'shape_stream_loss.loss_edge': 'forward',
    'shape_stream_loss.loss_edge_att': 'forward',
    'shape_stream_loss.loss_dual': 'forward',
}
PREFIX = 'part:'
BACKWARD = 'autograd::engine::evaluate_function: '


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('configs', nargs='+')
    parser.add_argument('--size', type=int, nargs=2, default=[256, 256])
    parser.add_argument('--batch', type=int, default=4)
    parser.add_argument(
        '--num-classes',
        type=int,
        help='classes of the random labels (default: the decode head\'s)')
    parser.add_argument(
        '--steps',
        type=int,
        default=3,
        help='profiled steps (the table gives the mean)')
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument(
        '--top',
        type=int,
        default=0,
        help='also list the N costliest operators per part')
    parser.add_argument('--out', help='also write the figures as JSON')
    return parser.parse_args(argv)


def _wrap(owner, name: str, label: str) -> None:
    method = getattr(owner, name)

    @functools.wraps(method)
    def wrapped(*args, **kwargs):
        with record_function(PREFIX + label):
            return method(*args, **kwargs)

    setattr(owner, name, wrapped)


def instrument(model, wrapper) -> None:
    """Wrap the parts of ``model`` and the optimizer step in regions."""
    for path, method in PARTS.items():
        *parents, attr = path.split('.')
        owner = model
        for parent in parents:
            owner = getattr(owner, parent, None)
        if owner is None or getattr(owner, attr, None) is None:
            continue
        if method is None:
            _wrap(owner, attr, path)
        else:
            _wrap(getattr(owner, attr), method, path)
    _wrap(wrapper.optimizer, 'step', 'optimizer')


def _region(event) -> Optional[str]:
    while event is not None:
        if event.name.startswith(PREFIX):
            return event.name[len(PREFIX):]
        event = event.cpu_parent
    return None


def attribute(events):
    """Self CPU time (us) of profiler events per part and phase (forward,
    backward), and per part and operator."""
    forward_part = {}
    for event in events:
        if event.sequence_nr >= 0 and not event.name.startswith(BACKWARD):
            forward_part.setdefault(event.sequence_nr, _region(event))
    table = collections.defaultdict(lambda: collections.Counter())
    ops = collections.defaultdict(lambda: collections.Counter())
    for event in events:
        if event.name.startswith(PREFIX):
            continue
        node, phase, part = event, 'forward', None
        while node is not None:
            if node.name.startswith(BACKWARD):
                phase = 'backward'
                part = forward_part.get(node.sequence_nr)
                break
            node = node.cpu_parent
        if phase == 'forward':
            part = _region(event)
        table[part or 'other'][phase] += event.self_cpu_time_total
        ops[part or 'other'][event.name] += event.self_cpu_time_total
    return table, ops


def prepare(config: str, args) -> Dict:
    """Model, optimizer wrapper and batch of ``config``, warmed up and
    instrumented."""
    torch.manual_seed(0)
    model = build_model(config, args.size, 'cpu')
    wrapper = make_wrapper(model, 'fp32', 'cpu')
    data = make_data(args.size, args.batch, args.num_classes
                     or model.decode_head.num_classes)
    model.train_step(data, wrapper)  # warm-up
    instrument(model, wrapper)
    model.train_step(data, wrapper)
    return dict(
        config=osp.basename(config),
        model=model,
        wrapper=wrapper,
        data=data,
        tables=[],
        ops=collections.Counter(),
        wall=[])


def profile_round(run: Dict) -> None:
    """Profile one step of a prepared config, keep its tables."""
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        wall = time.perf_counter()
        run['model'].train_step(run['data'], run['wrapper'])
        run['wall'].append(time.perf_counter() - wall)
    table, ops = attribute(prof.events())
    run['tables'].append(table)
    for part, counter in ops.items():
        for name, t in counter.items():
            run['ops'][(part, name)] += t


def summarise(run: Dict, top: int) -> Dict:
    """Median over the steps of each part's forward and backward (ms)."""
    steps = len(run['tables'])
    names = {part for table in run['tables'] for part in table}
    parts = {
        part: {
            phase:
            statistics.median(
                table.get(part, {}).get(phase, 0.0)
                for table in run['tables']) / 1e3
            for phase in ('forward', 'backward')
        }
        for part in names
    }
    ranked = collections.defaultdict(list)
    for (part, name), t in run['ops'].most_common():
        if len(ranked[part]) < top:
            ranked[part].append((name, t / steps / 1e3))
    return dict(
        config=run['config'],
        wall_ms=statistics.median(run['wall']) * 1e3,
        parts=parts,
        top=dict(ranked))


def main(argv=None) -> List[Dict]:
    args = parse_args(argv)
    init_default_scope('mmseg')
    torch.set_num_threads(args.threads)
    runs = [prepare(config, args) for config in args.configs]
    for _ in range(args.steps):  # rounds: every config in turn
        for run in runs:
            profile_round(run)
    results = [summarise(run, args.top) for run in runs]
    names = []
    for result in results:
        names += [n for n in result['parts'] if n not in names]
    print(f'self CPU ms per step (median of {args.steps} interleaved), '
          'forward + backward,'
          f' {args.threads} threads, batch {args.batch} at '
          f'{args.size[0]}x{args.size[1]}')
    print('| part | ' + ' | '.join(r['config'][:40] for r in results) +
          ' |\n|---|' + '---:|' * len(results))
    for name in names:
        cells = []
        for r in results:
            phases = r['parts'].get(name)
            cells.append('' if phases is
                         None else f"{phases.get('forward', 0):.1f} + "
                         f"{phases.get('backward', 0):.1f}")
        print(f'| {name} | ' + ' | '.join(cells) + ' |')
    totals = [
        sum(sum(p.values()) for p in r['parts'].values()) for r in results
    ]
    print('| operators, total | ' + ' | '.join(f'{t:.1f}'
                                               for t in totals) + ' |')
    print('| step wall | ' + ' | '.join(f"{r['wall_ms']:.1f}"
                                        for r in results) + ' |')
    for r in results:
        for part, rows in r['top'].items():
            print(f"\n{r['config']} / {part}: " +
                  ', '.join(f'{name} {ms:.1f}' for name, ms in rows))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(results, f, indent=2)
    return results


if __name__ == '__main__':
    main()
