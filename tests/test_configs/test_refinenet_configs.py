# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Every config of configs/refinenet loads and builds; the demo config is
offline and runs a forward."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmseg.registry import MODELS

from ..tiny_runs import REPO_ROOT

CONFIGS = sorted(
    glob.glob(osp.join(REPO_ROOT, 'configs', 'refinenet', '*.py')))


def test_configs_exist():
    names = {osp.basename(c) for c in CONFIGS}
    for name in ('refinenet_r50-d32_4xb2-80k_cityscapes-512x1024.py',
                 'refinenet_r101-d32_4xb2-80k_cityscapes-512x1024.py',
                 'refinenet_r101-d32_4xb4-80k_ade20k-512x512.py',
                 'refinenet_r101b-d32_4xb4-40k_voc12aug-512x512.py',
                 'lw-refinenet_r50b-d32_4xb4-40k_voc12aug-512x512.py',
                 'lw-refinenet_r101b-d32_4xb4-40k_voc12aug-512x512.py',
                 'lw-refinenet_mobilenet-v2-d32_4xb4-40k_voc12aug-512x512.py',
                 'refinenet_r18-c32_1xb4-1k_demo-cityscapes-256x512.py'):
        assert name in names


@pytest.mark.parametrize('config', CONFIGS, ids=osp.basename)
def test_config_builds(config):
    cfg = Config.fromfile(config)
    assert 'mmseg_ext' in cfg.custom_imports.imports
    with torch.device('meta'):  # structure only, no memory or init cost
        model = MODELS.build(cfg.model)
    name = osp.basename(config)
    expected = ('LightWeightRefineNetHead' if name.startswith('lw-') else
                'UPerHead' if name.startswith('upernet-') else 'RefineNetHead')
    assert type(model.decode_head).__name__ == expected


def test_demo_config_is_offline_and_runs():
    cfg = Config.fromfile(
        osp.join(REPO_ROOT, 'configs', 'refinenet',
                 'refinenet_r18-c32_1xb4-1k_demo-cityscapes-256x512.py'))
    assert cfg.model.pretrained is None
    assert cfg.model.backbone.get('init_cfg') is None
    model = MODELS.build(cfg.model)
    model.init_weights()  # would try to download with a pretrained URL
    model.eval()
    with torch.no_grad():
        out = model._forward(torch.randn(1, 3, 61, 83))
    assert out.shape == (1, 19, 16, 21)
