# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Gated-SCNN configs: each loads and builds, the pipelines produce the edge
ground truth the losses need, the README demo is the Gated-SCNN one."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmseg.registry import MODELS

import mmseg_ext  # noqa: F401
from ..tiny_runs import REPO_ROOT

GSCNN_CONFIGS = sorted(
    glob.glob(osp.join(REPO_ROOT, 'configs', 'gscnn', '*.py')) +
    [osp.join(REPO_ROOT, 'configs', 'gscnn_r101_cityscapes.py')])


@pytest.mark.parametrize(
    'path', GSCNN_CONFIGS, ids=[osp.basename(p) for p in GSCNN_CONFIGS])
def test_config_loads_and_builds(path):
    cfg = Config.fromfile(path)
    pipeline = [t['type'] for t in cfg.train_dataloader.dataset.pipeline]
    if cfg.model.type == 'ShapeStreamEncoderDecoder':
        assert 'GenerateSegBoundary' in pipeline
        assert pipeline.index('GenerateSegBoundary') < pipeline.index(
            'PackSegInputs')
        assert cfg.tta_model.type == 'ShapeStreamTTAModel'
    # mmseg's MiT computes its drop-path rates with .item(): not on 'meta'
    mit = cfg.model.backbone.type == 'MixVisionTransformer'
    with torch.device('cpu' if mit else 'meta'):
        model = MODELS.build(cfg.model)
    assert model.num_classes == 19


README_DEMO = osp.join(
    REPO_ROOT, 'configs', 'demo',
    'gscnn_r18-c32-d16_1xb4-500it_demo-cityscapes-256x512.py')


def test_readme_demo_is_gscnn():
    """`make demo` trains the Gated-SCNN demo config."""
    with open(osp.join(REPO_ROOT, 'Makefile')) as f:
        line = next(x for x in f if x.startswith('DEMO_CONFIG'))
    assert osp.join(REPO_ROOT, line.split('?=')[1].strip()) == README_DEMO
    cfg = Config.fromfile(README_DEMO)
    assert cfg.model.type == 'ShapeStreamEncoderDecoder'
    assert cfg.model.decode_head.type == 'GSCNNHead'
    assert cfg.train_cfg.max_iters == 500
    assert cfg.param_scheduler[-1]['end'] == 500


def test_official_layout_resizes_like_the_release():
    """Final upsampling without, inner resizes with align_corners."""
    cfg = Config.fromfile(
        osp.join(REPO_ROOT, 'configs', 'gscnn',
                 'gscnn_wrn38-d8_8xb1-65k_cityscapes-720x720.py'))
    assert cfg.model.decode_head.align_corners is False
    assert cfg.model.decode_head.inner_align_corners is True
    assert cfg.model.neck.align_corners is True
