# Copyright (c) mmseg_ext contributors. All rights reserved.
"""tools/analysis/profile_part.py: a head or a neck timed alone."""
import os.path as osp
import sys

import pytest

from ..tiny_runs import REPO_ROOT, load_script

GSCNN_DEMO = osp.join(REPO_ROOT, 'configs', 'gscnn',
                      'gscnn_r18-c32-d16_1xb4-1k_demo-cityscapes-256x512.py')
PSP_DEMO = osp.join(REPO_ROOT, 'configs', 'pspnet',
                    'psp-upsample_r18-c32_1xb4-1k_demo-cityscapes-256x512.py')


@pytest.mark.parametrize('config,part', [(PSP_DEMO, 'head'),
                                         (GSCNN_DEMO, 'head'),
                                         (GSCNN_DEMO, 'neck')])
def test_part_alone(config, part, monkeypatch, capsys):
    tool = load_script('tools', 'analysis', 'profile_part.py')
    monkeypatch.setattr(sys, 'argv', [
        'profile_part.py', config, '--part', part, '--batch-size', '2',
        '--input-size', '64', '64', '--warmup', '0', '--iters', '1',
        '--threads', '1', '--profile'
    ])
    tool.main()
    out = capsys.readouterr().out
    assert f': {part} (' in out and 'forward + backward: best' in out
    assert 'convolution' in out  # the profiler table lists the convs


def test_neck_of_a_model_without_one(monkeypatch):
    tool = load_script('tools', 'analysis', 'profile_part.py')
    monkeypatch.setattr(sys, 'argv', [
        'profile_part.py', PSP_DEMO, '--part', 'neck', '--input-size', '64',
        '64', '--iters', '1'
    ])
    with pytest.raises(SystemExit, match='no neck'):
        tool.main()


def test_head_inference_alone(monkeypatch, capsys):
    tool = load_script('tools', 'analysis', 'profile_part.py')
    monkeypatch.setattr(sys, 'argv', [
        'profile_part.py', PSP_DEMO, '--part', 'head', '--inference',
        '--batch-size', '1', '--input-size', '64', '64', '--iters', '1'
    ])
    tool.main()
    assert ', forward: best' in capsys.readouterr().out
