# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Train Gated-SCNN and DeepLabV3+ side by side in every precision.

For each config (mmseg's DeepLabV3+ first, the baseline) and precision
(fp32, fp16 AMP, bf16 AMP, through mmengine's ``AmpOptimWrapper`` as a
config's ``optim_wrapper=dict(type='AmpOptimWrapper', dtype=...)`` builds
it), the script trains ``--iters`` iterations on a synthetic batch after
``--warmup`` ones and reports iterations per second, peak memory, the
ratios to the baseline in the same precision and the model FLOPs
utilisation (FLOPs of one step counted by ``FlopCounterMode``, over the
device's dense peak). Then one step of each Gated-SCNN config runs under
``torch.cuda.set_sync_debug_mode('error')``; with ``torchrun
--nproc_per_node 2`` the script trains with NCCL DDP instead and checks
that the ranks stay in sync. ``tools/gpu_check/gpu_check.sh`` runs it all.

``--device cpu --tiny`` runs the same code at 32x32 for one iteration
(torch's CPU ``GradScaler`` and autocast in the wrapper), which the test
suite does so that the check cannot rot.
"""
import argparse
import contextlib
import json
import os
import os.path as osp
import time
from typing import Dict, List, Optional

import mmseg
import numpy as np
import torch
from mmengine.config import Config
from mmengine.optim import AmpOptimWrapper, OptimWrapper
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

import mmseg_ext  # noqa: F401  (registration)

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MMSEG_CONFIGS = osp.join(osp.dirname(mmseg.__file__), '.mim', 'configs')
CONFIGS = [
    osp.join(MMSEG_CONFIGS, 'deeplabv3plus',
             'deeplabv3plus_r50-d8_4xb2-80k_cityscapes-512x1024.py'),
    osp.join(REPO_ROOT, 'configs', 'gscnn',
             'gscnn_r50-d8_4xb2-80k_cityscapes-512x1024.py'),
    osp.join(REPO_ROOT, 'configs', 'gscnn',
             'gscnn-s2_r50-d8_4xb2-80k_cityscapes-512x1024.py'),
]
PRECISIONS = {'fp32': None, 'fp16': torch.float16, 'bf16': torch.bfloat16}
#: Dense tensor-core peaks in TFLOPS: (TF32, fp16/bf16). fp32 runs are
#: compared with TF32, which cuDNN convolutions use by default.
PEAK_TFLOPS = {
    'H200': (494.7, 989.4),
    'H100 PCIe': (378.0, 756.0),
    'H100': (494.7, 989.4),
    'A100': (156.0, 312.0)
}


class CpuAmpOptimWrapper(AmpOptimWrapper):
    """mmengine's ``AmpOptimWrapper`` on CPU: torch's CPU ``GradScaler``
    and CPU autocast in place of the CUDA ones (mmengine asserts a GPU);
    scaling, unscaling and step skipping stay mmengine's code. bf16 needs
    no loss scaling, so its scaler is a disabled one."""

    def __init__(self, optimizer, dtype=torch.float16, init_scale=2.**16):
        super(AmpOptimWrapper, self).__init__(optimizer=optimizer)
        self._scale_update_param = None
        if dtype == torch.float16:
            self.loss_scaler = torch.amp.GradScaler(
                'cpu', init_scale=init_scale)
        elif hasattr(torch.amp, 'GradScaler'):  # bf16: fp32's range
            self.loss_scaler = torch.amp.GradScaler('cpu', enabled=False)
        else:  # torch < 2.3: a disabled scaler is device-agnostic
            self.loss_scaler = torch.cuda.amp.GradScaler(enabled=False)
        self.cast_dtype = dtype

    @contextlib.contextmanager
    def optim_context(self, model):
        with super(AmpOptimWrapper, self).optim_context(model):
            with torch.autocast('cpu', dtype=self.cast_dtype):
                yield


def cpu_fp16_available() -> bool:
    """Whether this torch autocasts convolutions to fp16 on CPU and has a
    CPU ``GradScaler`` (torch >= 2.3; torch 2.1 autocasts only bf16 there,
    with a warning, and its scaler is CUDA-only)."""
    if not hasattr(torch.amp, 'GradScaler'):
        return False
    try:
        with torch.autocast('cpu', dtype=torch.float16):
            out = torch.nn.functional.conv2d(
                torch.ones(1, 1, 3, 3), torch.ones(1, 1, 1, 1))
    except RuntimeError:
        return False
    return out.dtype == torch.float16


def build_model(config: str, size, device: str) -> torch.nn.Module:
    cfg = Config.fromfile(config)
    cfg.model.pretrained = None
    cfg.model.backbone.pop('init_cfg', None)
    cfg.model.data_preprocessor.size = tuple(size)
    model = MODELS.build(cfg.model).to(device)
    return model.train()


def make_wrapper(model, precision: str, device: str):
    optimizer = torch.optim.SGD(
        model.parameters(), lr=1e-3, momentum=0.9, weight_decay=5e-4)
    dtype = PRECISIONS[precision]
    if dtype is None:
        return OptimWrapper(optimizer)
    if device == 'cpu':
        return CpuAmpOptimWrapper(optimizer, dtype)
    return AmpOptimWrapper(optimizer=optimizer, dtype=dtype)


def make_data(size, batch: int, num_classes: int, seed: int = 0):
    """A batch as ``PackSegInputs`` gives it: label blocks of ids below
    ``num_classes`` (the model's decode head's), edge maps."""
    rng = np.random.default_rng(seed)
    height, width = size
    inputs, samples = [], []
    for _ in range(batch):
        label = rng.integers(0, num_classes,
                             (8, 8)).repeat(-(-height // 8),
                                            0).repeat(-(-width // 8),
                                                      1)[:height, :width]
        edge = np.zeros_like(label)
        edge[:, 1:] |= label[:, 1:] != label[:, :-1]
        edge[1:] |= label[1:] != label[:-1]
        img = (label * 12 + rng.integers(0, 30, (3, height, width))).clip(
            0, 255).astype(np.uint8)
        sample = SegDataSample(
            metainfo=dict(
                img_shape=size, ori_shape=size, pad_shape=size, flip=False))
        sample.gt_sem_seg = PixelData(data=torch.from_numpy(label[None]))
        sample.gt_edge_map = PixelData(data=torch.from_numpy(edge[None]))
        inputs.append(torch.from_numpy(img))
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def step_flops(model, data, wrapper) -> float:
    from torch.utils.flop_counter import FlopCounterMode
    with FlopCounterMode(display=False) as counter:
        model.train_step(data, wrapper)
    return float(counter.get_total_flops())


def peak_tflops(device: str, precision: str) -> Optional[float]:
    if device == 'cpu':
        return None
    name = torch.cuda.get_device_name()
    for key, (tf32, half) in PEAK_TFLOPS.items():
        if key in name:
            return tf32 if precision == 'fp32' else half
    return None


def measure(config: str, precision: str, args) -> Dict:
    torch.manual_seed(0)
    model = build_model(config, args.size, args.device)
    wrapper = make_wrapper(model, precision, args.device)
    data = make_data(args.size, args.batch, model.decode_head.num_classes)
    cuda = args.device.startswith('cuda')
    flops = step_flops(model, data, wrapper)
    for _ in range(args.warmup):
        model.train_step(data, wrapper)
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    for _ in range(args.iters):
        log_vars = model.train_step(data, wrapper)
    if cuda:
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    loss = float(log_vars['loss'])
    if not np.isfinite(loss):
        raise RuntimeError(f'{osp.basename(config)} {precision}: loss {loss}')
    its = args.iters / seconds
    peak = peak_tflops(args.device, precision)
    return dict(
        config=osp.basename(config),
        precision=precision,
        it_per_s=its,
        peak_memory_mb=(torch.cuda.max_memory_allocated() /
                        2**20 if cuda else None),
        gflops_per_step=flops / 1e9,
        mfu=flops * its / (peak * 1e12) if peak else None,
        loss=loss)


def step_under_sync_debug(model, data: dict, wrapper) -> None:
    """One train step of ``model`` (CUDA) under
    ``torch.cuda.set_sync_debug_mode('error')``: any synchronising call
    raises. The batch goes to the device first, and mmseg's accuracy (whose
    mask indexing is the one sync of mmseg's own DeepLabV3+ step) is
    swapped for a sync-free equivalent during the step."""
    import mmseg.models.decode_heads.decode_head as decode_head
    model.train_step(data, wrapper)  # warm-up: lazy initialisation
    data = model.data_preprocessor(data, True)
    original = decode_head.accuracy

    def accuracy(pred, target, ignore_index=None, **kwargs):
        valid = target != ignore_index
        correct = (pred.argmax(1) == target) & valid
        return (correct.sum() * 100. / valid.sum().clamp(min=1)).view(1)

    torch.cuda.synchronize()
    decode_head.accuracy = accuracy
    torch.cuda.set_sync_debug_mode('error')
    try:
        with wrapper.optim_context(model):
            losses = model._run_forward(data, mode='loss')
        loss, _ = model.parse_losses(losses)
        wrapper.update_params(loss)
    finally:
        torch.cuda.set_sync_debug_mode('default')
        decode_head.accuracy = original


def sync_debug_step(config: str, args) -> str:
    if not args.device.startswith('cuda'):
        return 'skipped (no CUDA)'
    model = build_model(config, args.size, args.device)
    step_under_sync_debug(
        model, make_data(args.size, args.batch, model.decode_head.num_classes),
        make_wrapper(model, 'fp32', args.device))
    return 'ok: no synchronising call'


def ddp_check(args) -> Dict:
    """NCCL DDP (one process per GPU, under torchrun): a few steps."""
    from mmengine.model import MMDistributedDataParallel
    torch.distributed.init_process_group('nccl')
    rank = torch.distributed.get_rank()
    torch.cuda.set_device(rank)
    results = {}
    for config in CONFIGS[:2]:
        torch.manual_seed(0)
        model = build_model(config, args.size, 'cuda')
        ddp = MMDistributedDataParallel(module=model, device_ids=[rank])
        wrapper = make_wrapper(model, 'fp32', 'cuda')
        data = make_data(
            args.size, args.batch, model.decode_head.num_classes, seed=rank)
        ddp.train_step(data, wrapper)
        torch.cuda.synchronize()
        start = time.perf_counter()
        for _ in range(args.iters):
            ddp.train_step(data, wrapper)
        torch.cuda.synchronize()
        its = args.iters / (time.perf_counter() - start)
        total = sum(p.detach().double().sum() for p in model.parameters())
        spread = total.clone()
        torch.distributed.all_reduce(spread, torch.distributed.ReduceOp.MAX)
        torch.distributed.all_reduce(total, torch.distributed.ReduceOp.MIN)
        results[osp.basename(config)] = dict(
            it_per_s=its, params_in_sync=bool(spread == total))
    torch.distributed.destroy_process_group()
    return results if rank == 0 else {}


def add_ratios(rows: List[Dict]) -> None:
    base = {
        r['precision']: r
        for r in rows if r['config'] == osp.basename(CONFIGS[0])
    }
    for row in rows:
        ref = base[row['precision']]
        row['time_ratio'] = ref['it_per_s'] / row['it_per_s']
        if row['peak_memory_mb'] and ref['peak_memory_mb']:
            row['memory_ratio'] = row['peak_memory_mb'] / ref['peak_memory_mb']


def format_rows(rows: List[Dict]) -> str:
    lines = [
        '| config | precision | it/s | step x DLV3+ | peak MB | '
        'memory x DLV3+ | GFLOP/step | MFU |', '|---' * 8 + '|'
    ]

    def fmt(value, spec):
        return 'n/a' if value is None else format(value, spec)

    for r in rows:
        lines.append(
            f"| {r['config']} | {r['precision']} | {r['it_per_s']:.3f} | "
            f"{r['time_ratio']:.3f} | {fmt(r['peak_memory_mb'], '.0f')} | "
            f"{fmt(r.get('memory_ratio'), '.3f')} | "
            f"{r['gflops_per_step']:.0f} | {fmt(r['mfu'], '.3f')} |")
    return '\n'.join(lines)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--device', default='cuda')
    parser.add_argument('--size', type=int, nargs=2, default=[512, 1024])
    parser.add_argument('--batch', type=int, default=2)
    parser.add_argument('--warmup', type=int, default=5)
    parser.add_argument('--iters', type=int, default=50)
    parser.add_argument(
        '--precisions',
        nargs='+',
        choices=list(PRECISIONS),
        help='default: all three (fp16 left out on a CPU without fp16 AMP)')
    parser.add_argument(
        '--tiny',
        action='store_true',
        help='32x32, no warm-up, 1 timed iteration (the CPU test)')
    parser.add_argument('--out', help='write the results as JSON')
    args = parser.parse_args(argv)
    args.skipped = {}
    if args.device == 'cpu' and not cpu_fp16_available():
        reason = (f'torch {torch.__version__} has no fp16 autocast or '
                  'GradScaler on CPU (torch >= 2.3 has both)')
        if args.precisions and 'fp16' in args.precisions:
            parser.error(f'--precisions fp16 on --device cpu: {reason}')
        args.skipped['fp16'] = reason
    if not args.precisions:
        args.precisions = [p for p in PRECISIONS if p not in args.skipped]
    if args.tiny:
        args.size, args.warmup, args.iters = [32, 32], 0, 1
    return args


def main(argv=None) -> Dict:
    args = parse_args(argv)
    init_default_scope('mmseg')
    if int(os.environ.get('WORLD_SIZE', '1')) > 1:
        results = dict(ddp=ddp_check(args))
    else:
        rows = [
            measure(config, precision, args) for precision in args.precisions
            for config in CONFIGS
        ]
        add_ratios(rows)
        print(format_rows(rows), flush=True)
        results = dict(
            device=(torch.cuda.get_device_name()
                    if args.device != 'cpu' else 'cpu'),
            size=args.size,
            batch=args.batch,
            iters=args.iters,
            rows=rows,
            skipped_precisions=args.skipped,
            sync_debug={
                osp.basename(c): sync_debug_step(c, args)
                for c in CONFIGS[1:]
            })
    print(
        json.dumps({
            k: v
            for k, v in results.items() if k != 'rows'
        }, indent=1),
        flush=True)
    if args.out and results:
        with open(args.out, 'w') as f:
            json.dump(results, f, indent=2)
    return results


if __name__ == '__main__':
    main()
