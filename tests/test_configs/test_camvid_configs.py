# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Every configs/camvid/ config loads, shares the backbone and schedule,
builds its model and runs one forward on a tiny image."""
import glob
import os.path as osp
import shutil

import pytest
import torch
from mmengine.config import Config
from mmseg.registry import MODELS, TRANSFORMS

from ..tiny_runs import REPO_ROOT

CONFIGS = sorted(glob.glob(osp.join(REPO_ROOT, 'configs', 'camvid', '*.py')))
REFERENCE = osp.join(REPO_ROOT, 'configs', 'camvid',
                     'fcn_r18-c32-d16_1xb4-1500it_camvid-256x256.py')
HEADS = {
    'fcn': 'FCNHead',
    'pspnet': 'PSPHead',
    'deeplabv3plus': 'DepthwiseSeparableASPPHead',
    'gscnn': 'GSCNNHead',
    'gscnn-deeplabv3plus': 'GSCNNSepASPPHead',
    'refinenet': 'RefineNetHead',
    'lw-refinenet': 'LightWeightRefineNetHead',
    'psp-upsample-presence': 'PSPUpsampleHead',
}


def test_every_head_has_a_config():
    assert sorted(osp.basename(p).split('_')[0] for p in CONFIGS) == \
        sorted(HEADS)


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_builds_and_runs(path):
    cfg = Config.fromfile(path)
    reference = Config.fromfile(REFERENCE)
    # The same backbone, schedule, data and evaluation for every model.
    for key in ('backbone', 'pretrained'):
        assert cfg.model[key] == reference.model[key], key
    for key in ('optim_wrapper', 'param_scheduler', 'train_cfg',
                'val_evaluator', 'test_evaluator'):
        assert cfg[key] == reference[key], key
    assert cfg.train_dataloader.dataset.type == 'CamVidDataset'
    assert cfg.test_dataloader.dataset.data_prefix.img_path == 'img_dir/test'
    assert cfg.val_dataloader.dataset.data_prefix.img_path == 'img_dir/val'
    protocols = [
        m.get('protocol', 'pooled') for m in cfg.test_evaluator
        if m.type == 'BoundaryFScore'
    ]
    assert protocols == ['pooled', 'gscnn']
    # `--tta` builds the model with the top-level data_preprocessor.
    # (Configs on mmseg's bases carry its `_scope_` in one of them.)
    top = {k: v for k, v in cfg.data_preprocessor.items() if k != '_scope_'}
    assert top == {
        k: v
        for k, v in cfg.model.data_preprocessor.items() if k != '_scope_'
    }
    name = osp.basename(path).split('_')[0]
    shape_stream = cfg.model.type == 'ShapeStreamEncoderDecoder'
    assert shape_stream == name.startswith('gscnn')
    steps = [s.type for s in cfg.train_dataloader.dataset.pipeline]
    assert ('GenerateSegBoundary' in steps) == shape_stream
    for step in cfg.train_dataloader.dataset.pipeline:
        TRANSFORMS.build(step)

    model = MODELS.build(cfg.model).eval()
    assert type(model.decode_head).__name__ == HEADS[name]
    aux = []
    if model.with_auxiliary_head:
        aux = model.auxiliary_head
        aux = list(aux) if isinstance(aux, torch.nn.ModuleList) else [aux]
    assert all(h.num_classes == 11 for h in [model.decode_head] + aux)
    if name == 'psp-upsample-presence':
        assert [type(h).__name__
                for h in aux] == ['FCNHead', 'ClassPresenceHead']
    with torch.no_grad():
        logits = model(torch.rand(1, 3, 48, 64), mode='tensor')
    assert logits.shape[:2] == (1, 11) and torch.isfinite(logits).all()


MODEL_BASE = osp.join('configs', '_base_', 'models', 'camvid_r18-c32-d16.py')


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_states_only_its_head(path):
    # Backbone, auxiliary head and classes come from the one model base.
    with open(path) as f:
        text = f.read()
    for shared in ('backbone=', 'num_classes=11', 'ResNetV1c',
                   'backbone_width,', 'auxiliary_head=dict('):
        assert shared not in text, (osp.basename(path), shared)
    cfg = Config.fromfile(path)
    assert cfg.num_classes == 11 and cfg.model.decode_head.num_classes == 11


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_one_line_switch_to_imagenet_weights(path, tmp_path):
    # The README's switch: one line of the model base turns every config
    # into a full-width ResNetV1c-18 that takes mmseg's ImageNet checkpoint.
    line = 'backbone_width, backbone_weights = 32, None'
    switched = ("backbone_width, backbone_weights = 64, "
                "'open-mmlab://resnet18_v1c'")
    shutil.copytree(
        osp.join(REPO_ROOT, 'configs'), tmp_path / 'configs', symlinks=True)
    base = tmp_path / MODEL_BASE
    text = base.read_text()
    assert text.count(line) == 1
    base.write_text(text.replace(line, switched))
    copy = tmp_path / osp.relpath(path, REPO_ROOT)
    cfg = Config.fromfile(str(copy))
    assert cfg.model.pretrained == 'open-mmlab://resnet18_v1c'
    with torch.device('meta'):
        model = MODELS.build(cfg.model)
    # mmseg's resnet18_v1c: 11.2M parameters.
    assert sum(p.numel() for p in model.backbone.parameters()) == 11195744


def test_refinenet_head_is_normalised_from_scratch():
    """The RefineNetHead CamVid run without head batch-norm died in warm-up
    (test mIoU 3.1, docs/camvid_results.md); the config must keep it."""
    path = osp.join(REPO_ROOT, 'configs', 'camvid',
                    'refinenet_r18-c32-d16_1xb4-1500it_camvid-256x256.py')
    cfg = Config.fromfile(path)
    assert cfg.model.pretrained is None  # from scratch
    head = MODELS.build(cfg.model.decode_head)
    norms = [m for m in head.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    # adapt conv + RCUs, fusion, CRP convs of every block are normalised
    assert len(norms) >= 4 * 3, len(norms)
    crp_conv = head.refine_blocks[0].crp
    assert any(isinstance(m, torch.nn.BatchNorm2d) for m in crp_conv.modules())
