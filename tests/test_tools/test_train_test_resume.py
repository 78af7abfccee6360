# Copyright (c) mmseg_ext contributors. All rights reserved.
"""End to end: mmseg's stock tools and ours train, test and resume a config
of this package on the demo data (CPU, a few iterations)."""
import os
import os.path as osp

import cv2
import numpy as np
import pytest
import torch

from ..test_visualization.tiny_models import GSCNN_DEMO, write_checkpoint
from ..tiny_runs import run_tool, stock_tool, write_tiny_config

pytestmark = pytest.mark.slow


@pytest.fixture(scope='module')
def tiny_cfg(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('tiny_run')
    return write_tiny_config(
        str(tmp / 'tiny.py'), str(tmp / 'demo_data'), max_iters=4)


def _iter_of(ckpt: str) -> int:
    from mmengine.runner.checkpoint import _load_checkpoint
    return _load_checkpoint(ckpt, map_location='cpu')['meta']['iter']


@pytest.mark.parametrize('tools', ['stock', 'ours'])
def test_train_validate_test_resume(tiny_cfg, tmp_path, tools):
    if tools == 'stock':
        train, test = stock_tool('train.py'), stock_tool('test.py')
    else:
        train, test = 'tools/train.py', 'tools/test.py'
    work = str(tmp_path / 'work')
    out = run_tool([train, tiny_cfg, '--work-dir', work]).stdout
    assert osp.isfile(osp.join(work, 'iter_4.pth'))
    assert osp.isfile(osp.join(work, 'iter_2.pth'))
    log = open(osp.join(work, 'last_checkpoint')).read().strip()
    assert log.endswith('iter_4.pth')
    if tools == 'ours':
        assert '[mmseg_ext] training finished' in out
        assert 'mIoU' in out

    # Test the checkpoint (torch>=2.6 safe loading of mmengine's pickles).
    proc = run_tool([
        test, tiny_cfg,
        osp.join(work, 'iter_4.pth'), '--work-dir',
        str(tmp_path / 'test')
    ])
    assert 'mIoU' in proc.stdout + proc.stderr

    # Resume from iter_4 and continue to iter 6.
    run_tool([
        train, tiny_cfg, '--work-dir', work, '--resume', '--cfg-options',
        'train_cfg.max_iters=6'
    ])
    assert _iter_of(osp.join(work, 'iter_6.pth')) == 6
    ckpt = torch.load(
        osp.join(work, 'iter_6.pth'), map_location='cpu', weights_only=False)
    # The resumed run continued the optimizer state, not a fresh one.
    assert ckpt['optimizer']['state'], 'optimizer state lost on resume'


def test_test_out_and_show_dir_give_edge_maps(tmp_path):
    """``tools/test.py --out`` writes ``<image>_edge.png`` beside the label
    maps of a shape-stream model and ``--show-dir`` draws the edges."""
    cfg = write_tiny_config(
        str(tmp_path / 'gscnn.py'),
        str(tmp_path / 'demo_data'),
        base=GSCNN_DEMO,
        extra="test_dataloader['dataset']['indices'] = 2")
    ckpt = write_checkpoint(str(tmp_path / 'gscnn.pth'), cfg)
    out, show = str(tmp_path / 'out'), str(tmp_path / 'show')
    proc = run_tool([
        'tools/test.py', cfg, ckpt, '--out', out, '--show-dir', show,
        '--work-dir',
        str(tmp_path / 'work')
    ])
    assert f'prediction maps: {out} (2 edge maps <image>_edge.png)' \
        in proc.stdout
    names = sorted(os.listdir(out))
    labels = [n for n in names if not n.endswith('_edge.png')]
    assert len(labels) == 2
    assert names == sorted(labels +
                           [n.replace('.png', '_edge.png') for n in labels])
    h, w = cv2.imread(osp.join(out, labels[0]), 0).shape
    for name in labels:
        edge = cv2.imread(
            osp.join(out, name.replace('.png', '_edge.png')),
            cv2.IMREAD_UNCHANGED)
        assert edge.dtype == np.uint8 and edge.shape == (h, w)
    pictures = [
        osp.join(root, f) for root, _, files in os.walk(show) for f in files
        if f.endswith('.png')
    ]
    assert len(pictures) == 2
    # image | ground truth | prediction | predicted edges
    assert cv2.imread(pictures[0]).shape == (h, 4 * w, 3)
