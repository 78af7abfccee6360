# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Every PSP-family config loads and builds; the demo config trains."""
import glob
import math
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.model import revert_sync_batchnorm
from mmengine.optim import build_optim_wrapper
from mmseg.registry import DATASETS, MODELS, TRANSFORMS

from ..tiny_runs import REPO_ROOT

CONFIGS = sorted(glob.glob(osp.join(REPO_ROOT, 'configs', 'pspnet', '*.py')))
DEMO_CONFIG = osp.join(
    REPO_ROOT, 'configs', 'pspnet',
    'psp-upsample_r18-c32_1xb4-1k_demo-cityscapes-256x512.py')
LOOP_PARTS = (('train_dataloader', 'train_cfg', 'optim_wrapper'),
              ('val_dataloader', 'val_cfg', 'val_evaluator'),
              ('test_dataloader', 'test_cfg', 'test_evaluator'))
NUM_CLASSES = {'cityscapes': 19, 'ade20k': 150, 'voc12aug': 21}


def _pipelines(cfg):
    for name in ('train_pipeline', 'test_pipeline', 'tta_pipeline'):
        if cfg.get(name):
            yield cfg[name]


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_loads_and_builds(path):
    cfg = Config.fromfile(path)
    with torch.device('meta'):
        model = MODELS.build(cfg.model)
    name = osp.basename(path)
    dataset = next((d for d in NUM_CLASSES if f'_{d}-' in name), None)
    expected = NUM_CLASSES[dataset] if dataset else 19
    assert model.decode_head.num_classes == expected
    aux = model.auxiliary_head
    aux = list(aux) if isinstance(aux, torch.nn.ModuleList) else [aux]
    assert all(head.num_classes == expected for head in aux)
    if 'presence' in name or 'demo' in name:
        assert [type(h).__name__
                for h in aux] == ['FCNHead', 'ClassPresenceHead']
    for pipeline in _pipelines(cfg):
        for step in pipeline:
            TRANSFORMS.build(step)
    # `--tta` builds the model with the top-level data_preprocessor.
    assert cfg.data_preprocessor == cfg.model.data_preprocessor
    # mmengine's Runner wants each loop's three parts all set or all None.
    for keys in LOOP_PARTS:
        present = [cfg.get(k) is not None for k in keys]
        assert all(present) or not any(present), dict(zip(keys, present))


@pytest.mark.parametrize(
    'path', [p for p in CONFIGS if '-semseg_' in p], ids=osp.basename)
def test_converted_weight_configs_slide_like_semseg(path):
    cfg = Config.fromfile(path)
    crop = cfg.model.test_cfg.crop_size
    assert cfg.model.test_cfg.mode == 'slide'
    assert cfg.data_preprocessor.test_cfg == dict(size=crop)
    assert tuple(cfg.model.test_cfg.stride) == tuple(
        math.ceil(c * 2 / 3) for c in crop)
    assert all((c - 1) % 8 == 0 for c in crop)  # semseg's 8k + 1 sizes
    assert cfg.model.decode_head.align_corners
    assert cfg.model.auxiliary_head.align_corners
    assert not cfg.model.backbone.contract_dilation
    assert cfg.model.backbone.stem_channels == 128
    assert cfg.train_dataloader is None
    flips = [
        t['prob'] for t in cfg.tta_pipeline[-1]['transforms'][1]
        if t['type'] == 'RandomFlip'
    ]
    assert flips == [0., 1.]


@pytest.mark.slow
def test_demo_config_training_lowers_the_loss(tmp_path):
    """A few dozen iterations of the demo config on tiny demo data."""
    cfg = Config.fromfile(DEMO_CONFIG)
    crop = (64, 64)
    cfg.model.data_preprocessor.size = crop
    dataset_cfg = cfg.train_dataloader.dataset
    dataset_cfg.update(
        data_root=str(tmp_path / 'demo'),
        demo_cfg=dict(
            seed=0, num_train=8, num_val=2, size=(64, 128), workers=1))
    for step in dataset_cfg.pipeline:
        if step['type'] == 'RandomResize':
            step['scale'] = (128, 64)
        if step['type'] == 'RandomCrop':
            step['crop_size'] = crop
    dataset = DATASETS.build(dataset_cfg)
    torch.manual_seed(0)
    model = revert_sync_batchnorm(MODELS.build(cfg.model))
    model.train()
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    losses = []
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny tensors: threads only contend
    try:
        for it in range(30):
            batch = pseudo_collate(
                [dataset[(4 * it + j) % len(dataset)] for j in range(4)])
            log_vars = model.train_step(batch, optim_wrapper)
            assert 'aux_1.acc_presence' in log_vars
            losses.append(float(log_vars['loss'].detach()))
            assert math.isfinite(losses[-1])
    finally:
        torch.set_num_threads(threads)
    first, last = sum(losses[:5]) / 5, sum(losses[-5:]) / 5
    assert last < 0.8 * first, (first, last)
