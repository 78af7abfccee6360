# Copyright (c) mmseg_ext contributors. All rights reserved.
"""tools/gpu_check/gpu_check.py in its reduced CPU mode, so it cannot rot:
every config in every precision trains (through mmengine's wrappers) and
is reported with ratios to the baseline; no timing is asserted."""
import os.path as osp
import statistics

import pytest

from ..tiny_runs import REPO_ROOT, load_script


@pytest.mark.slow
def test_gpu_check_reduced_cpu_mode(tmp_path):
    tool = load_script('tools', 'gpu_check', 'gpu_check.py')
    out = tmp_path / 'train.json'
    results = tool.main(['--device', 'cpu', '--tiny', '--out', str(out)])
    rows = results['rows']
    precisions = ['fp32', 'bf16']
    if tool.cpu_fp16_available():
        precisions.append('fp16')
    else:
        assert set(results['skipped_precisions']) == {'fp16'}
    assert {(r['config'], r['precision'])
            for r in rows} == {(osp.basename(c), p)
                               for c in tool.CONFIGS
                               for p in precisions}
    for row in rows:
        assert row['it_per_s'] > 0 and row['gflops_per_step'] > 0
        if row['config'] == osp.basename(tool.CONFIGS[0]):
            assert row['time_ratio'] == 1.0
    assert set(
        results['sync_debug']) == {osp.basename(c)
                                   for c in tool.CONFIGS[1:]}
    assert out.exists()


def test_gpu_check_refuses_fp16_on_a_cpu_without_it(monkeypatch, capsys):
    tool = load_script('tools', 'gpu_check', 'gpu_check.py')
    monkeypatch.setattr(tool, 'cpu_fp16_available', lambda: False)
    with pytest.raises(SystemExit):
        tool.parse_args(['--device', 'cpu', '--precisions', 'fp16'])
    assert 'no fp16 autocast' in capsys.readouterr().err
    args = tool.parse_args(['--device', 'cpu'])
    assert args.precisions == ['fp32', 'bf16'] and 'fp16' in args.skipped


def test_gpu_check_script_runs_every_part():
    script = open(osp.join(REPO_ROOT, 'tools', 'gpu_check',
                           'gpu_check.sh')).read()
    assert '-m gpu' in script and 'gpu_check.py' in script
    assert '--nproc_per_node 2' in script


@pytest.mark.slow
def test_step_time_ratio_interleaves_rounds(tmp_path):
    tool = load_script('tools', 'gpu_check', 'step_time_ratio.py')
    camvid = osp.join(REPO_ROOT, 'configs', 'camvid')
    configs = [
        osp.join(camvid, name)
        for name in ('deeplabv3plus_r18-c32-d16_1xb4-1500it_camvid-256x256.py',
                     'gscnn_r18-c32-d16_1xb4-1500it_camvid-256x256.py')
    ]
    result = tool.main(configs + [
        '--size', '32', '32', '--batch', '2', '--rounds', '3', '--num-classes',
        '11', '--out',
        str(tmp_path / 'r.json')
    ])
    base, gscnn = result['rows']
    assert base['cpu_ratio'] == 1.0 and base['wall_ratio'] == 1.0
    assert base['cpu_ratio_paired'] == 1.0
    assert len(gscnn['cpu_all']) == 3 and gscnn['cpu_s'] > 0
    assert gscnn['cpu_ratio_paired'] == statistics.median(
        g / b for g, b in zip(gscnn['cpu_all'], base['cpu_all']))
    with pytest.raises(SystemExit, match='rounds'):
        tool.main(configs + ['--rounds', '2'])


@pytest.mark.slow
def test_profile_step_charges_every_part(tmp_path):
    """Forward and backward time per part: the shape-stream parts of a
    GSCNN step get both, through the autograd sequence numbers."""
    tool = load_script('tools', 'gpu_check', 'profile_step.py')
    config = osp.join(REPO_ROOT, 'configs', 'camvid',
                      'gscnn_r18-c32-d16_1xb4-1500it_camvid-256x256.py')
    (result, ) = tool.main([
        config, '--size', '32', '32', '--batch', '2', '--steps', '1',
        '--num-classes', '11', '--top', '3', '--out',
        str(tmp_path / 'p.json')
    ])
    parts = result['parts']
    for part in ('backbone', 'neck', 'decode_head', 'image_gradient',
                 'shape_stream_loss.loss_dual', 'optimizer'):
        assert parts[part]['forward'] > 0, part
    for part in ('backbone', 'neck', 'decode_head',
                 'shape_stream_loss.loss_dual',
                 'shape_stream_loss.loss_edge_att'):
        assert parts[part]['backward'] > 0, part
    assert len(result['top']['neck']) == 3
