# Copyright (c) mmseg_ext contributors. All rights reserved.
import json
import os.path as osp

import cv2
import pytest

from ..tiny_runs import load_script, tool_module


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


def test_training_log_keeps_step_times_of_the_replacing_launch(work_dir):
    """The reader behind plot_curves and demo_results: iteration 30
    of the crashed launch is replaced, times included."""
    train_seconds_per_iter = tool_module(
        'analysis', 'benchmarking.run_results').train_seconds_per_iter
    read_scalars = tool_module('analysis',
                               'benchmarking.run_results').read_scalars
    lines = [train_line(50, 1.0), train_line(60, 1.0)]
    for line, seconds in zip(lines, (0.5, 0.7)):
        line['time'] = seconds
    write_log(work_dir, '20240101_030000', lines)
    train, _ = read_scalars(str(work_dir))
    assert [it for it, _ in train['time']] == [10, 20, 30, 40, 50, 60]
    assert train['time'][-2:] == [(50, 0.5), (60, 0.7)]
    # median of 1.0 x 4, 0.5, 0.7
    assert train_seconds_per_iter(str(work_dir)) == 1.0
    assert train_seconds_per_iter(str(work_dir / 'missing')) is None


def test_broken_log_line_is_named(tmp_path):
    read_scalars = tool_module('analysis',
                               'benchmarking.run_results').read_scalars
    write_log(tmp_path, '20240101_000000', [train_line(10, 3.0)])
    path = tmp_path / '20240101_000000' / 'vis_data' / 'scalars.json'
    with open(path, 'a') as f:
        f.write('{"loss": \n')
    with pytest.raises(ValueError, match=r'scalars.json:2: not JSON'):
        read_scalars(str(tmp_path))
    with pytest.raises(SystemExit, match=r'scalars.json:2: not JSON'):
        load_tool().read_scalars(str(tmp_path))
