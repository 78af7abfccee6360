# Copyright (c) mmseg_ext contributors. All rights reserved.
"""tools/analysis/benchmark_targets.py: the targets' configs, verdicts, and
an end-to-end run of tiny stand-in targets (no timing is asserted)."""
import json
import os.path as osp

import pytest
from mmengine.config import Config

from ..tiny_runs import REPO_ROOT, load_script, tool_module, write_tiny_config

# The targets live in the script itself.
targets_module = load_script('tools', 'analysis', 'benchmark_targets.py')
TARGETS, Target, evaluate_target, format_targets, pipeline_without = (
    targets_module.TARGETS, targets_module.Target,
    targets_module.evaluate_target, targets_module.format_targets,
    targets_module.pipeline_without)
add_ratios = tool_module('analysis', 'benchmarking.report').add_ratios


def load_tool():
    return load_script('tools', 'analysis', 'benchmark_targets.py')


def test_every_target_config_loads_with_the_compared_heads():
    tool = load_tool()
    heads = {}
    for name, target in TARGETS.items():
        cfgs = [Config.fromfile(tool.resolve(c)) for c in target.configs]
        heads[name] = [c.model.decode_head.type for c in cfgs]
        # same backbone on both sides
        assert len({str(c.model.backbone) for c in cfgs}) == 1, name
    assert heads['gscnn'] == [
        'DepthwiseSeparableASPPHead', 'GSCNNHead', 'GSCNNHead'
    ]
    gscnn = [
        Config.fromfile(tool.resolve(c)) for c in TARGETS['gscnn'].configs
    ]
    # the targets' candidate streams at 1/2, the paper's at full resolution
    assert [c.model.neck.stride for c in gscnn[1:]] == [2, 1]
    assert heads['psp_upsample'] == ['PSPHead', 'PSPUpsampleHead']
    assert heads['refinenet'] == ['UPerHead', 'RefineNetHead', 'RefineNetHead']
    assert heads['lw_refinenet'] == [
        'RefineNetHead', 'LightWeightRefineNetHead'
    ]
    upernet = Config.fromfile(tool.resolve(TARGETS['refinenet'].configs[0]))
    refinenet = Config.fromfile(tool.resolve(TARGETS['refinenet'].configs[1]))
    assert upernet.model.decode_head.channels == \
        refinenet.model.decode_head.channels == 256
    assert upernet.model.auxiliary_head is None
    assert refinenet.model.get('auxiliary_head') is None
    with_cp = Config.fromfile(tool.resolve(TARGETS['refinenet'].configs[2]))
    assert with_cp.model.decode_head.with_cp
    assert not refinenet.model.decode_head.get('with_cp', False)


def entry(step=None, memory=None, loss=None, images_per_s=None, whole=None):
    out = {}
    if step is not None:
        out['train'] = dict(step=dict(median_ms=step), peak_memory_mb=memory)
    if loss is not None:
        out['loss'] = dict(decode_head_ms=loss)
    if images_per_s is not None:
        out['data'] = dict(images_per_s=images_per_s)
    if whole is not None:
        out['infer_whole'] = dict(time=dict(median_ms=whole))
    return out


def results(*entries):
    """Entries as ``run_benchmark`` returns them: ratios added."""
    add_ratios(list(entries))
    return dict(configs=list(entries))


def test_verdicts_from_results():
    gscnn = evaluate_target(
        'gscnn', TARGETS['gscnn'],
        results(
            entry(step=100, memory=1000, loss=10),
            entry(step=120, memory=1400, loss=25),
            entry(step=140, memory=1200, loss=25)))
    assert [round(v['value'], 3) for v in gscnn] == [1.2, 1.4, 0.125, 1.4, 1.2]
    assert [v['met'] for v in gscnn] == [True, False, False, False, True]
    lw = evaluate_target('lw_refinenet', TARGETS['lw_refinenet'],
                         results(entry(whole=90), entry(whole=30)))
    assert lw[0]['value'] == pytest.approx(3.0) and lw[0]['met']
    pipe = evaluate_target(
        'pipeline', TARGETS['pipeline'],
        results(entry(images_per_s=10), entry(images_per_s=11)))
    assert pipe[0]['value'] == pytest.approx(0.1) and pipe[0]['met']
    missing = evaluate_target('psp_upsample', TARGETS['psp_upsample'],
                              results(entry(), entry()))
    assert missing[0]['value'] is None and missing[0]['met'] is None
    table = format_targets(gscnn + lw + missing)
    assert '| train memory, GSCNN / DeepLabV3+ | 1.400 | <= 1.3 | NO |' \
        in table
    assert '>= 2.0 | yes |' in table and '| n/a | <= 1.1 | n/a |' in table


def test_negative_loss_share_is_reported_as_measured():
    """The candidate's losses timed faster than the baseline's (noise):
    the verdict shows the negative share, not a clamped 0."""
    share = TARGETS['gscnn'].checks[2]
    verdict = evaluate_target(
        'gscnn', TARGETS['gscnn']._replace(checks=(share, )),
        results(
            entry(step=100, loss=30), entry(step=120, loss=24),
            entry(step=140, loss=24)))[0]
    assert verdict['value'] == pytest.approx((24 - 30) / 120)
    assert verdict['met'] is True
    assert '| -0.050 |' in format_targets([verdict])


def test_pipeline_without(tmp_path):
    config = TARGETS['pipeline'].configs[0]
    options = pipeline_without(
        osp.join(REPO_ROOT, config), ('GenerateSegBoundary', ))
    kept = [t['type'] for t in options['train_dataloader.dataset.pipeline']]
    assert 'GenerateSegBoundary' not in kept and 'PackSegInputs' in kept
    with pytest.raises(ValueError, match='none of'):
        pipeline_without(osp.join(REPO_ROOT, config), ('NoSuchTransform', ))


@pytest.mark.slow
def test_tiny_targets_end_to_end(tmp_path, monkeypatch):
    """Stand-in targets on tiny configs run through the real tool."""
    data_root = str(tmp_path / 'data')
    gscnn = write_tiny_config(
        str(tmp_path / 'gscnn_tiny.py'),
        data_root,
        base=osp.join(
            REPO_ROOT, 'configs', 'demo',
            'gscnn_r18-c32-d16_1xb4-500it_demo-cityscapes-256x512.py'),
        extra="train_pipeline = [dict(type='LoadImageFromFile'), "
        "dict(type='LoadAnnotations'), dict(type='RandomCrop', "
        "crop_size=crop_size), dict(type='GenerateSegBoundary'), "
        "dict(type='PackSegInputs')]\n"
        'train_dataloader = dict(dataset=dict(pipeline=train_pipeline))\n')
    dlv3 = write_tiny_config(
        str(tmp_path / 'dlv3_tiny.py'),
        data_root,
        base=osp.join(
            REPO_ROOT, 'configs', 'gscnn',
            'deeplabv3plus_r18-c32-d16_1xb4-1k_demo-cityscapes-256x512.py'))
    # two configs stand in for three: the checks of the candidate (index 1)
    checks = TARGETS['gscnn'].checks[:3]
    tiny = dict(
        gscnn=Target('tiny GSCNN vs DeepLabV3+', (dlv3, gscnn),
                     ('train', 'loss'), (64, 64), checks),
        pipeline=Target(
            'tiny pipeline', (gscnn, ), ('data', ), (64, 64),
            TARGETS['pipeline'].checks,
            kind='pipeline',
            removed=('GenerateSegBoundary', )))
    tool = load_tool()
    monkeypatch.setattr(tool, 'TARGETS', tiny)
    monkeypatch.setattr(tool, 'resolve', lambda c: c)
    out = tmp_path / 'targets.json'
    results = tool.main([
        '--warmup', '0', '--iters', '1', '--threads', '1', '--data-root',
        data_root, '--data-samples', '2', '--out',
        str(out)
    ])
    saved = json.loads(out.read_text())
    assert [v['check'] for v in saved['targets']
            ] == [c.label
                  for c in checks] + [TARGETS['pipeline'].checks[0].label]
    for verdict in results['targets']:
        assert verdict['value'] is not None, verdict
        assert verdict['met'] in (True, False)
    pipe = saved['runs']['pipeline']['configs']
    assert 'GenerateSegBoundary' in pipe[0]['data']['pipeline']
    assert 'GenerateSegBoundary' not in pipe[1]['data']['pipeline']
    with pytest.raises(SystemExit, match='unknown targets'):
        tool.main(['--only', 'nope'])
