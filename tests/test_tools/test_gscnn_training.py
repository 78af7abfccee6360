# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Gated-SCNN demo config: a short training whose loss goes down, then
tools/test.py with TTA and sliding windows (slow: end-to-end tools)."""
import glob
import json
import os.path as osp

import numpy as np
import pytest

from ..tiny_runs import REPO_ROOT, run_tool, write_tiny_config

README_DEMO = osp.join(
    REPO_ROOT, 'configs', 'demo',
    'gscnn_r18-c32-d16_1xb4-500it_demo-cityscapes-256x512.py')
TINY_PIPELINE = """
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='RandomFlip', prob=0.5),
    dict(type='GenerateSegBoundary', radius=2),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
optim_wrapper = dict(optimizer=dict(lr=4e-3))
param_scheduler = [dict(type='ConstantLR', factor=1.0, begin=0, end=1,
                        by_epoch=False)]
"""


def _train_losses(work_dir):
    logs = glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))
    assert logs, f'no scalars.json under {work_dir}'
    losses = []
    with open(logs[0]) as f:
        for line in f:
            record = json.loads(line)
            if 'loss' in record and 'decode.loss_edge' in record:
                losses.append(record['loss'])
    return losses


@pytest.mark.slow
def test_demo_training_loss_goes_down_and_tools_test(tmp_path):
    config = write_tiny_config(
        str(tmp_path / 'tiny_gscnn.py'),
        str(tmp_path / 'demo_data'),
        base=README_DEMO,
        max_iters=16,
        extra=TINY_PIPELINE)
    work = str(tmp_path / 'work')
    run_tool(['tools/train.py', config, '--work-dir', work])
    losses = _train_losses(work)
    assert len(losses) == 16 and all(np.isfinite(losses))
    first, last = np.mean(losses[:4]), np.mean(losses[-4:])
    assert last < first, f'loss did not go down: {losses}'
    # tools/test.py with flip / multi-scale TTA and sliding windows.
    proc = run_tool([
        'tools/test.py', config,
        osp.join(work, 'iter_16.pth'), '--tta', '--work-dir',
        str(tmp_path / 'test'), '--out',
        str(tmp_path / 'maps'), '--cfg-options', 'model.test_cfg.mode=slide',
        'model.test_cfg.crop_size=(48,48)', 'model.test_cfg.stride=(32,32)'
    ])
    out = proc.stdout + proc.stderr
    # the demo evaluator list: region and boundary metrics
    for key in ('mIoU', 'BF@1px', 'BF@5px', 'BIoU'):
        assert key in out, key
    # --out with an evaluator list: IoUMetric writes the label maps and
    # EdgeMapWriterHook one edge map per image beside them
    pngs = glob.glob(str(tmp_path / 'maps' / '*.png'))
    edges = [p for p in pngs if p.endswith('_edge.png')]
    assert len(edges) == 4 and len(pngs) == 8, pngs


FCN_DEMO = osp.join(REPO_ROOT, 'configs', 'demo',
                    'fcn_r18-c32-d16_1xb4-1k_demo-cityscapes-256x512.py')
# The shape stream added to a plain mmseg model by config, as
# configs/gscnn/README.md ("Adding the shape stream to your model") shows.
ADD_SHAPE_STREAM = """
model = dict(
    type='ShapeStreamEncoderDecoder',
    neck=dict(type='GatedShapeStream', in_channels=[32, 64, 128, 256],
              stream_in_channels=16, channels=(16, 8, 4), stride=4))
visualizer = dict(type='SideBySideSegVisualizer')
"""


@pytest.mark.slow
def test_stream_added_to_mmseg_fcn_trains_and_writes_edge_maps(tmp_path):
    config = write_tiny_config(
        str(tmp_path / 'tiny_fcn_stream.py'),
        str(tmp_path / 'demo_data'),
        base=FCN_DEMO,
        max_iters=4,
        extra=TINY_PIPELINE + ADD_SHAPE_STREAM)
    work = str(tmp_path / 'work')
    run_tool(['tools/train.py', config, '--work-dir', work])
    losses = _train_losses(work)
    assert len(losses) == 4 and all(np.isfinite(losses))
    run_tool([
        'tools/test.py', config,
        osp.join(work, 'iter_4.pth'), '--work-dir',
        str(tmp_path / 'test'), '--out',
        str(tmp_path / 'maps'), '--show-dir',
        str(tmp_path / 'show')
    ])
    pngs = glob.glob(str(tmp_path / 'maps' / '*.png'))
    edges = [p for p in pngs if p.endswith('_edge.png')]
    assert len(edges) == 4 and len(pngs) == 8, pngs
    # one picture per image: image | ground truth | prediction | edges
    shown = glob.glob(str(tmp_path / 'show' / '**' / '*.png'), recursive=True)
    assert len(shown) == 4, shown
