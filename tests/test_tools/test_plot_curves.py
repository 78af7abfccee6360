# Copyright (c) mmseg_ext contributors. All rights reserved.
import json
import os.path as osp

import cv2
import pytest

from ..tiny_runs import load_script


def load_tool():
    return load_script('tools', 'analysis', 'plot_curves.py')


def write_log(work_dir, timestamp, lines):
    folder = work_dir / timestamp / 'vis_data'
    folder.mkdir(parents=True)
    with open(folder / 'scalars.json', 'w') as f:
        for line in lines:
            f.write(json.dumps(line) + '\n')


def train_line(it, loss):
    return {
        'lr': 0.001,
        'data_time': 0.1,
        'loss': loss,
        'decode.loss_ce': loss,
        'time': 1.0,
        'iter': it,
        'memory': 1,
        'step': it
    }


def val_line(step, miou, bf):
    return {
        'aAcc': 80.0,
        'mIoU': miou,
        'mAcc': 50.0,
        'BF@0.5%diag': bf,
        'BP@0.5%diag': bf,
        'BIoU': miou / 2,
        'data_time': 0.01,
        'time': 0.2,
        'step': step
    }


@pytest.fixture
def work_dir(tmp_path):
    # First launch logs to iteration 30 and crashes; the second resumes
    # from the iteration-20 checkpoint and replaces iteration 30 on.
    write_log(tmp_path, '20240101_000000', [
        train_line(10, 3.0),
        train_line(20, 2.5),
        val_line(20, 10.0, 20.0),
        train_line(30, 9.9)
    ])
    write_log(
        tmp_path, '20240101_010000',
        [train_line(30, 2.0),
         train_line(40, 1.5),
         val_line(40, 30.0, 40.0)])
    (tmp_path / '20240101_020000' / 'vis_data').mkdir(parents=True)
    return tmp_path


def test_read_scalars_merges_resumed_launches(work_dir):
    train, val = load_tool().read_scalars(str(work_dir))
    assert train['loss'] == [(10, 3.0), (20, 2.5), (30, 2.0), (40, 1.5)]
    assert val['mIoU'] == [(20, 10.0), (40, 30.0)]
    assert val['BF@0.5%diag'] == [(20, 20.0), (40, 40.0)]
    assert 'time' not in val and 'step' not in val


def test_plot_curves_writes_png(work_dir, tmp_path):
    out = str(tmp_path / 'curves.png')
    load_tool().main([str(work_dir), '--out', out])
    picture = cv2.imread(out)
    # Three panels side by side: loss, mIoU / BIoU, boundary F.
    assert picture is not None and picture.shape[1] > 2 * picture.shape[0]


def test_plot_curves_without_boundary_metrics(tmp_path):
    write_log(tmp_path, '20240101_000000',
              [train_line(10, 3.0), {
                  'aAcc': 1.0,
                  'mIoU': 5.0,
                  'step': 10
              }])
    out = load_tool().plot_curves(str(tmp_path))
    assert out == osp.join(str(tmp_path), 'curves.png')
    assert cv2.imread(out).shape[1] > cv2.imread(out).shape[0]


def test_missing_logs_are_named(tmp_path):
    with pytest.raises(SystemExit, match='scalars.json'):
        load_tool().read_scalars(str(tmp_path))
