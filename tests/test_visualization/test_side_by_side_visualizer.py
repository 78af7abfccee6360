# Copyright (c) mmseg_ext contributors. All rights reserved.
import glob
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.structures import PixelData
from mmseg.registry import VISUALIZERS
from mmseg.structures import SegDataSample

from ..tiny_runs import load_script

# tools/train.py's and tools/test.py's plumbing (`--show-dir`).
enable_visualization = load_script('tools',
                                   'run_config.py').enable_visualization

H, W = 37, 53  # odd, non-square


def fake_sample(edges: bool, edge_shape=(1, H, W)) -> SegDataSample:
    gen = torch.Generator().manual_seed(0)
    sample = SegDataSample()
    sample.gt_sem_seg = PixelData(
        data=torch.randint(0, 3, (1, H, W), generator=gen))
    sample.pred_sem_seg = PixelData(
        data=torch.randint(0, 3, (1, H, W), generator=gen))
    if edges:
        sample.pred_edge_map = PixelData(
            data=torch.rand(edge_shape, generator=gen))
    return sample


def build(name: str, save_dir: str):
    return VISUALIZERS.build(
        dict(
            type='SideBySideSegVisualizer',
            name=name,
            vis_backends=[dict(type='LocalVisBackend')],
            save_dir=save_dir,
            classes=['a', 'b', 'c'],
            palette=[[255, 0, 0], [0, 255, 0], [0, 0, 255]]))


@pytest.mark.parametrize('edges,panels', [(False, 3), (True, 4)])
def test_panels_side_by_side(tmp_path, edges, panels):
    vis = build(f'side_by_side_{edges}', str(tmp_path))
    image = np.random.default_rng(0).integers(0, 255, (H, W, 3), np.uint8)
    before = image.copy()
    vis.add_datasample('demo.png', image, fake_sample(edges), step=3)
    files = glob.glob(osp.join(tmp_path, '**', '*.png'), recursive=True)
    assert len(files) == 1
    written = cv2.imread(files[0])
    assert written.shape == (H, panels * W, 3)
    np.testing.assert_array_equal(image, before)  # input left untouched
    # The first panel is the image itself (below the caption box).
    np.testing.assert_array_equal(written[-5:, :W, ::-1], image[-5:])
    # out_file path; edge map at a lower resolution is resized.
    out = str(tmp_path / 'out.png')
    vis.add_datasample(
        'x', image, fake_sample(edges, (1, 10, 12)), out_file=out)
    assert cv2.imread(out).shape == (H, panels * W, 3)


def test_bad_edge_map_is_named(tmp_path):
    vis = build('side_by_side_bad', str(tmp_path))
    image = np.zeros((H, W, 3), np.uint8)
    sample = fake_sample(False)
    sample.pred_edge_map = PixelData(data=torch.full((1, H, W), 3.0))
    with pytest.raises(ValueError, match='probabilities in \\[0, 1\\]'):
        vis.add_datasample('x', image, sample)
    sample.pred_edge_map = PixelData(data=torch.zeros(2, H, W))
    with pytest.raises(ValueError, match='shape \\(1, H, W\\)'):
        vis.add_datasample('x', image, sample)


def test_show_dir_switches_to_side_by_side():
    cfg = Config(
        dict(
            default_hooks=dict(
                visualization=dict(type='SegVisualizationHook')),
            visualizer=dict(type='SegLocalVisualizer', name='visualizer')))
    enable_visualization(cfg, show_dir='pictures')
    assert cfg.visualizer.type == 'SideBySideSegVisualizer'
    assert cfg.visualizer.save_dir == 'pictures'
    assert cfg.default_hooks.visualization.interval == 1
    cfg.visualizer.type = 'MyVisualizer'
    enable_visualization(cfg, show_dir='pictures')
    assert cfg.visualizer.type == 'MyVisualizer'
