# Copyright (c) mmseg_ext contributors. All rights reserved.
"""The 8-bit edge-map format shared by the inferencer, test.py and the demo,
and the hook behind ``tools/test.py --out``."""
import os
import os.path as osp
from types import SimpleNamespace
from unittest.mock import MagicMock

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import ConfigDict
from mmengine.structures import PixelData
from mmseg.registry import HOOKS
from mmseg.structures import SegDataSample

from mmseg_ext.visualization import (EDGE_SUFFIX, edge_map_to_uint8,
                                     edge_probabilities, edge_visualizer_cfg,
                                     write_edge_map)


def edge_map(h=7, w=9, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return PixelData(data=torch.rand((1, h, w), generator=gen))


def test_png_round_trip(tmp_path):
    edges = edge_map()
    path = write_edge_map(edges, str(tmp_path / 'sub' / ('a' + EDGE_SUFFIX)))
    png = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    assert png.dtype == np.uint8 and png.shape == (7, 9)  # single channel
    np.testing.assert_array_equal(png, edge_map_to_uint8(edges))
    # value / 255 is the probability, to half a grey level.
    np.testing.assert_allclose(
        png / 255, edges.data[0].numpy(), atol=0.5 / 255 + 1e-6)
    # Extremes map to black and white; numpy data works too.
    extremes = PixelData(data=np.array([[[0.0, 1.0]]], np.float32))
    np.testing.assert_array_equal(edge_map_to_uint8(extremes), [[0, 255]])


def test_resize_and_errors_name_the_caller():
    assert edge_probabilities(edge_map(), shape=(14, 18)).shape == (14, 18)
    with pytest.raises(ValueError, match=r'^me: .*\(1, H, W\), got \(2, 7'):
        edge_probabilities(PixelData(data=torch.zeros(2, 7, 9)), 'me')
    logits = PixelData(data=torch.full((1, 3, 3), -2.0))
    with pytest.raises(ValueError, match=r'^me: .*\[0, 1\].*-2'):
        edge_map_to_uint8(logits, 'me')


def test_edge_visualizer_cfg_replaces_only_mmseg_default():
    mmseg = dict(type='SegLocalVisualizer', name='v', alpha=0.3)
    cfg = edge_visualizer_cfg(mmseg)
    assert cfg == dict(type='SideBySideSegVisualizer', name='v', alpha=0.3)
    assert mmseg['type'] == 'SegLocalVisualizer'  # input untouched
    scoped = ConfigDict(type='mmseg.SegLocalVisualizer')
    assert edge_visualizer_cfg(scoped)['type'] == 'SideBySideSegVisualizer'
    assert edge_visualizer_cfg(dict(type='Mine'))['type'] == 'Mine'
    assert edge_visualizer_cfg(None)['type'] == 'SideBySideSegVisualizer'


def test_edge_map_writer_hook(tmp_path):
    out = str(tmp_path / 'out')
    hook = HOOKS.build(dict(type='EdgeMapWriterHook', out_dir=out))
    runner = SimpleNamespace(logger=MagicMock())
    with_edges = SegDataSample(metainfo=dict(img_path='x/aachen_1.png'))
    with_edges.pred_edge_map = edge_map()
    without = SegDataSample(metainfo=dict(img_path='x/aachen_2.png'))
    hook.before_test_epoch(runner)
    hook.after_test_iter(runner, 0, None, [with_edges, without])
    hook.after_test_epoch(runner)
    assert sorted(os.listdir(out)) == ['aachen_1' + EDGE_SUFFIX]
    png = cv2.imread(osp.join(out, 'aachen_1' + EDGE_SUFFIX), 0)
    np.testing.assert_array_equal(png, edge_map_to_uint8(edge_map()))
    assert hook.num_written == 1
    assert 'wrote 1 edge maps' in runner.logger.info.call_args[0][0]
    # A model without a shape stream: nothing written, and it is said.
    hook.before_test_epoch(runner)
    hook.after_test_iter(runner, 0, None, [without])
    hook.after_test_epoch(runner)
    assert hook.num_written == 0
    assert 'no edge maps written' in runner.logger.info.call_args[0][0]
    with pytest.raises(ValueError, match='EdgeMapWriterHook: out_dir'):
        HOOKS.build(dict(type='EdgeMapWriterHook', out_dir=''))
