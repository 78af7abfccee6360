# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Time and peak memory of Gated-SCNN: the official code against ours.

Both models get the *same* weights (the official model's random
initialisation with randomised BatchNorm statistics, converted with
``tools/model_converters/gscnn2mmseg.py``) and the same input: a batch of
normalised images, their label maps and edge maps (made once, outside the
measurement). Measured per run:

* ``train``: one training step, forward, the four Gated-SCNN losses (seg,
  edge, edge attention, dual task), their sum and backward. Official:
  ``GSCNN.forward(x, gts)`` with its ``loss.JointEdgeSegLoss``; ours:
  ``model.loss`` of ``configs/gscnn/gscnn_wrn38-d8_8xb1-65k_cityscapes-
  720x720.py`` (the paper's full-resolution shape stream, ``stride=1``).
* ``infer``: one eval-mode forward without gradients (official
  ``forward``; ours ``predict``, post-processing included).

Every measurement runs in a fresh subprocess with glibc's mmap threshold
fixed at 128 KiB (freed tensors go back to the system at once, so resident
memory follows the live tensors): peak memory is the increase of the
process's peak resident memory over its resident memory just before the
first step (the kernel's peak counter is reset there, via
``/proc/self/clear_refs``; model and weights are already loaded), time is
the wall time of the second, warm step. The two implementations run in
pairs, the order alternating, so that both see the same load on a shared
machine; ratios (ours / official) are taken within each pair and their
median is reported. Linux only. The official code runs from
``--official-root`` (a checkout of nv-tlabs/GSCNN, CC BY-NC-SA; nothing of
it is copied); on a CPU its ``.cuda()`` calls are made no-ops
(``official_gscnn.py``) and its own ``cv2.Canny`` runs (on the normalised
tensor cast to uint8, as shipped); ours computes its Canny map inside the
step too.

Example::

    python tools/model_converters/benchmark_vs_official_gscnn.py \\
        --official-root /path/to/GSCNN --size 192 192 --batch 2 --repeat 3
"""
import argparse
import importlib
import json
import os
import os.path as osp
import statistics
import subprocess
import sys
import tempfile
import types
from typing import Dict, List

import torch

from mmseg_ext.utils.benchmark import PeakMemoryMeter, time_calls
import official_gscnn

TOOLS = osp.dirname(osp.dirname(osp.abspath(__file__)))
#: The converter, run as a command (as a user does).
CONVERTER = osp.join(TOOLS, 'model_converters', 'gscnn2mmseg.py')
CONFIG = osp.join(
    osp.dirname(TOOLS), 'configs', 'gscnn',
    'gscnn_wrn38-d8_8xb1-65k_cityscapes-720x720.py')


def make_inputs(size, batch: int, num_classes: int, seed: int) -> dict:
    """Normalised images, label maps (blobs) and their edge maps."""
    import numpy as np

    from mmseg_ext.datasets.transforms import GenerateSegBoundary
    g = torch.Generator().manual_seed(seed)
    h, w = size
    rgb = torch.randint(
        0, 256, (batch, 3, h // 8 + 1, w // 8 + 1), generator=g).float()
    rgb = torch.nn.functional.interpolate(
        rgb, size=(h, w), mode='bilinear').round().clamp(0, 255)
    mean = torch.tensor((0.485, 0.456, 0.406)).view(1, 3, 1, 1)
    std = torch.tensor((0.229, 0.224, 0.225)).view(1, 3, 1, 1)
    labels = torch.randint(
        0, num_classes, (batch, 1, h // 16 + 1, w // 16 + 1),
        generator=g).float()
    labels = torch.nn.functional.interpolate(
        labels, size=(h, w), mode='nearest').long()[:, 0]
    boundary = GenerateSegBoundary(radius=2)
    edges = torch.stack([
        torch.from_numpy(
            boundary.transform({'gt_seg_map': label.numpy().astype(np.uint8)
                                })['gt_edge_map'].astype(np.int64))
        for label in labels
    ])
    return dict(image=(rgb / 255. - mean) / std, labels=labels, edges=edges)


def build_ours(converted: str, num_classes: int, with_cp: bool = False):
    """Our model of :data:`CONFIG` with the converted checkpoint
    (``with_cp``: checkpointing in the backbone, stream and head)."""
    import mmseg_ext  # noqa: F401  # isort: skip  (registers, before mmseg)
    from mmengine.config import Config
    from mmengine.model import revert_sync_batchnorm
    from mmengine.runner import load_checkpoint
    from mmseg.registry import MODELS
    from mmseg.utils import register_all_modules
    register_all_modules()
    cfg = Config.fromfile(CONFIG)
    cfg.model.decode_head.num_classes = num_classes
    for part in ('backbone', 'neck', 'decode_head'):
        cfg.model[part].with_cp = with_cp
    model = revert_sync_batchnorm(MODELS.build(cfg.model))
    load_checkpoint(model, converted, map_location='cpu', strict=True)
    return model


def ours_step(model, data: dict, mode: str) -> None:
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    h, w = data['image'].shape[2:]
    samples = []
    for label, edge in zip(data['labels'], data['edges']):
        sample = SegDataSample(
            metainfo=dict(
                img_shape=(h, w), ori_shape=(h, w), pad_shape=(h, w)))
        sample.gt_sem_seg = PixelData(data=label[None])
        sample.gt_edge_map = PixelData(data=edge[None])
        samples.append(sample)
    if mode == 'train':
        model.train()
        losses = model.loss(data['image'], samples)
        total = sum(v for k, v in losses.items() if 'loss' in k)
        total.backward()
    else:
        model.eval()
        with torch.no_grad():
            model.predict(data['image'], samples)


def build_official(root: str, weights: str, num_classes: int):
    """The official model with ``weights`` and its ``JointEdgeSegLoss``.

    Run-time shims for current numpy / torch (nothing in the official tree
    changes): ``.cuda()`` is a no-op on a CPU; the loss module's
    ``np.histogram(..., normed=True)`` (removed in numpy 2) gets
    ``density=True``, its meaning; the dual-task loss's
    ``compute_grad_mag`` returns a contiguous tensor, which its
    ``.view(N, -1)`` needs on torch 2 (one copy of an N x 19 x H x W map).
    """
    import numpy as np
    module = official_gscnn.import_official(root)
    model = official_gscnn.build_official(module, num_classes)
    state = torch.load(weights, map_location='cpu', weights_only=True)
    model.load_state_dict(state, strict=False)
    official_loss = importlib.import_module('loss')
    shim = types.SimpleNamespace(**vars(np))
    shim.histogram = lambda a, bins, normed=False, **kwargs: np.histogram(
        a, bins, density=normed, **kwargs)
    official_loss.np = shim
    dual = importlib.import_module('my_functionals.DualTaskLoss')
    grad_mag = dual.compute_grad_mag
    dual.compute_grad_mag = lambda *args, **kwargs: grad_mag(*args, **kwargs
                                                             ).contiguous()
    with official_gscnn.cuda_as_cpu(torch.device('cpu')):
        model.criterion = official_loss.JointEdgeSegLoss(classes=num_classes)
    return model


def official_step(model, data: dict, mode: str) -> None:
    """One official step, its own ``cv2.Canny`` included."""
    with official_gscnn.cuda_as_cpu(torch.device('cpu')):
        if mode == 'train':
            model.train()
            edges = data['edges'][:, None].float()
            losses = model(data['image'], gts=(data['labels'], edges))
            sum(losses.values()).backward()
        else:
            model.eval()
            with torch.no_grad():
                model(data['image'])


def worker(args: argparse.Namespace) -> dict:
    """One measurement (in its own process): warm-up, then the step."""
    torch.set_num_threads(args.threads)
    data = make_inputs(args.size, args.batch, args.num_classes, args.seed)
    if args.worker == 'official':
        official = build_official(args.official_root, args.weights,
                                  args.num_classes)

        def step():
            official_step(official, data, args.mode)
            official.zero_grad(set_to_none=True)
    else:
        ours = build_ours(args.weights + '.converted', args.num_classes,
                          args.with_cp)

        def step():
            ours_step(ours, data, args.mode)
            ours.zero_grad(set_to_none=True)

    # Memory: the first step in this fresh process (nothing retained yet),
    # the peak RSS over the RSS before it. Time: the second, warm step.
    model = official if args.worker == 'official' else ours
    grads_mib = sum(
        p.numel() * p.element_size() for p in model.parameters()
        if p.requires_grad) / 2.**20 if args.mode == 'train' else 0.
    meter = PeakMemoryMeter('cpu', fresh_process=True)
    meter.start()
    step()
    memory = meter.stop()
    seconds = time_calls(step, 'cpu', warmup=0, iters=1)['median_ms'] / 1e3
    result = dict(
        impl=args.worker,
        seconds=seconds,
        peak_increase_mib=memory['peak_mb'],
        peak_method=memory['method'],
        parameter_gradients_mib=grads_mib)
    if args.profile:  # a third step under torch.profiler: where time goes
        with torch.profiler.profile() as prof:
            step()
        ops = sorted(
            prof.key_averages(), key=lambda e: e.self_cpu_time_total)[::-1]
        result['profile_self_cpu_s'] = dict(
            total=sum(e.self_cpu_time_total for e in ops) / 1e6,
            **{e.key: e.self_cpu_time_total / 1e6
               for e in ops[:8]})
    return result


def make_weights(root: str, num_classes: int, seed: int, path: str) -> None:
    """The official model's random init with randomised BN as a state dict
    at ``path``, and ours converted from it by ``gscnn2mmseg.py`` at
    ``path + '.converted'``."""
    torch.manual_seed(seed)
    model = official_gscnn.build_official(
        official_gscnn.import_official(root), num_classes)
    official_gscnn.randomise_norm_layers(model, seed)
    torch.save(
        {
            k: v
            for k, v in model.state_dict().items()
            if not k.endswith('num_batches_tracked')
        }, path)
    proc = subprocess.run(
        [sys.executable, CONVERTER, path, path + '.converted'],
        capture_output=True,
        text=True)
    if proc.returncode != 0:
        raise SystemExit(f'conversion failed:\n{proc.stderr[-3000:]}')


def run_worker(args: argparse.Namespace, impl: str, mode: str,
               weights: str) -> dict:
    cmd = [
        sys.executable,
        osp.abspath(__file__), '--official-root', args.official_root, '--size',
        str(args.size[0]),
        str(args.size[1]), '--batch',
        str(args.batch), '--num-classes',
        str(args.num_classes), '--seed',
        str(args.seed), '--threads',
        str(args.threads), '--mode', mode, '--worker', impl, '--weights',
        weights
    ] + (['--profile'] if args.profile else []) + (['--with-cp']
                                                   if args.with_cp else [])
    # A fixed mmap threshold: every large buffer is unmapped when freed, so
    # the resident memory follows the live tensors (glibc's adaptive
    # threshold keeps freed buffers of up to 32 MiB in the heap otherwise).
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_='131072')
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise SystemExit(f'{impl} {mode} failed:\n{proc.stderr[-3000:]}')
    return json.loads(proc.stdout.strip().splitlines()[-1])


def summarise(pairs: List[Dict[str, dict]]) -> dict:

    def ratios(key):
        return [p['ours'][key] / p['official'][key] for p in pairs]

    return dict(
        official_seconds=[p['official']['seconds'] for p in pairs],
        ours_seconds=[p['ours']['seconds'] for p in pairs],
        official_peak_increase_mib=[
            p['official']['peak_increase_mib'] for p in pairs
        ],
        ours_peak_increase_mib=[p['ours']['peak_increase_mib'] for p in pairs],
        profiles=[{
            k: v.get('profile_self_cpu_s')
            for k, v in p.items()
        } for p in pairs],
        time_ratio_median=statistics.median(ratios('seconds')),
        time_ratios=ratios('seconds'),
        memory_ratio_median=statistics.median(ratios('peak_increase_mib')),
        memory_ratios=ratios('peak_increase_mib'),
        parameter_gradients_mib=[
            p['ours']['parameter_gradients_mib'] for p in pairs
        ])


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--official-root', required=True, help='nv-tlabs/GSCNN checkout')
    parser.add_argument(
        '--size', type=int, nargs=2, default=(192, 192), metavar=('H', 'W'))
    parser.add_argument(
        '--batch',
        type=int,
        default=2,
        help='images per step (training BN needs 2 on one device for the '
        "official image-pooling branch)")
    parser.add_argument('--num-classes', type=int, default=19)
    parser.add_argument('--repeat', type=int, default=3, help='pairs per mode')
    parser.add_argument(
        '--modes',
        nargs='+',
        default=['train', 'infer'],
        choices=['train', 'infer'])
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--profile',
        action='store_true',
        help='also profile a third step of each run (self CPU time of the '
        'top operators, in the JSON)')
    parser.add_argument(
        '--with-cp',
        action='store_true',
        help='ours with with_cp=True in the backbone, shape stream and head')
    parser.add_argument('--out', help='also write the figures as JSON')
    # internal: one measurement
    parser.add_argument('--worker', choices=['official', 'ours'])
    parser.add_argument('--mode', choices=['train', 'infer'])
    parser.add_argument('--weights')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args)))
        return 0
    report = dict(
        input=[args.batch, 3, *args.size],
        with_cp=args.with_cp,
        threads=args.threads,
        cpu=os.cpu_count(),
        torch=torch.__version__)
    with tempfile.TemporaryDirectory() as tmp:
        weights = osp.join(tmp, 'official_random.pth')
        make_weights(args.official_root, args.num_classes, args.seed, weights)
        for mode in args.modes:
            pairs = []
            for i in range(args.repeat):
                order = ('official', 'ours') if i % 2 == 0 else ('ours',
                                                                 'official')
                pair = {
                    impl: run_worker(args, impl, mode, weights)
                    for impl in order
                }
                pairs.append(pair)
                figures = [
                    f'{k} {v["seconds"]:.2f} s, '
                    f'+{v["peak_increase_mib"]:.0f} MiB'
                    for k, v in pair.items()
                ]
                print(f'{mode} pair {i}: ' + ', '.join(figures), flush=True)
            report[mode] = summarise(pairs)
    print(json.dumps(report, indent=2))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(report, f, indent=2)
    return 0


if __name__ == '__main__':
    sys.exit(main())
