# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Distributed training without CUDA: PyTorch DDP over gloo on CPU.

mmengine's ``--launcher pytorch`` path calls ``torch.cuda.set_device`` before
``init_process_group``, so on a machine without CUDA it dies. The Runner only
initialises the process group itself when none exists, so
:func:`setup_cpu_distributed` creates the gloo group first and adapts the
config: SyncBN (CUDA-only in PyTorch) becomes BN, and DDP is built with
``device_ids=None`` as CPU modules require. Gradients are still averaged
over all processes by DDP, so the result equals a GPU/NCCL run up to
floating-point summation order.
"""
import os
import subprocess
from typing import Any

import torch
import torch.distributed as dist
from mmengine.config import Config, ConfigDict


def sync_bn_to_bn(cfg: Any) -> Any:
    """Return ``cfg`` with every ``type='SyncBN'`` replaced by ``'BN'``."""
    if isinstance(cfg, dict):
        out = type(cfg)() if isinstance(cfg, ConfigDict) else {}
        for key, value in cfg.items():
            if key == 'type' and value in ('SyncBN', 'MMSyncBN'):
                value = 'BN'
            out[key] = sync_bn_to_bn(value)
        return out
    if isinstance(cfg, (list, tuple)):
        return type(cfg)(sync_bn_to_bn(v) for v in cfg)
    return cfg


def _slurm_env_to_torch_env(port: str) -> None:
    """Fill MASTER_ADDR/PORT, RANK, WORLD_SIZE, LOCAL_RANK from SLURM."""
    node_list = os.environ['SLURM_NODELIST']
    addr = subprocess.getoutput(
        f'scontrol show hostname {node_list} | head -n1')
    os.environ.setdefault('MASTER_ADDR', addr)
    os.environ.setdefault('MASTER_PORT', port)
    os.environ.setdefault('WORLD_SIZE', os.environ['SLURM_NTASKS'])
    os.environ.setdefault('LOCAL_RANK', os.environ['SLURM_LOCALID'])
    os.environ.setdefault('RANK', os.environ['SLURM_PROCID'])


def setup_cpu_distributed(cfg: Config) -> bool:
    """Prepare a CPU (gloo) DDP run when a launcher is used without CUDA.

    Args:
        cfg (Config): The run's config; ``cfg.launcher`` is read and
            ``model``, ``env_cfg``, ``sync_bn`` and ``model_wrapper_cfg``
            are updated in place.

    Returns:
        bool: True if the gloo process group was set up here, False when
        nothing was done (no launcher, or CUDA is available and mmengine's
        own NCCL path applies).
    """
    launcher = cfg.get('launcher', 'none')
    if launcher == 'none' or torch.cuda.is_available():
        return False
    if launcher not in ('pytorch', 'slurm'):
        raise ValueError(
            f'launcher {launcher!r} is not supported without CUDA; use '
            "'pytorch' (torchrun / tools/dist_train.sh) or 'slurm'.")
    if launcher == 'slurm':
        _slurm_env_to_torch_env(
            str(cfg.get('env_cfg', {}).get('dist_cfg', {}).get('port', 29500)))
    if not dist.is_initialized():
        dist.init_process_group(
            backend='gloo',
            rank=int(os.environ['RANK']),
            world_size=int(os.environ['WORLD_SIZE']))
    cfg.setdefault('env_cfg', ConfigDict())
    cfg.env_cfg.setdefault('dist_cfg', ConfigDict())
    cfg.env_cfg.dist_cfg.backend = 'gloo'
    cfg.model = sync_bn_to_bn(cfg.model)
    cfg.sync_bn = None
    wrapper = dict(cfg.get('model_wrapper_cfg') or {})
    wrapper.setdefault('type', 'MMDistributedDataParallel')
    wrapper['device_ids'] = None
    wrapper.setdefault('broadcast_buffers', False)
    wrapper.setdefault('find_unused_parameters',
                       cfg.get('find_unused_parameters', False))
    cfg.model_wrapper_cfg = wrapper
    return True


def close_distributed() -> bool:
    """Shut the default process group down in step on every rank.

    Call it at the end of a run that finished on all ranks. Without it each
    process tears its group down in the interpreter's exit; under gloo a
    rank that still holds its connections when its peer has already gone
    can abort (SIGABRT) after the work is done, and ``torchrun`` then
    reports the whole job failed. A barrier first lets every rank arrive,
    then each destroys its group (what PyTorch asks of every job).

    Returns:
        bool: True if a process group was open and is now closed.
    """
    if not (dist.is_available() and dist.is_initialized()):
        return False
    dist.barrier()
    dist.destroy_process_group()
    return True
