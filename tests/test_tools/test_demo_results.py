# Copyright (c) mmseg_ext contributors. All rights reserved.
"""tools/analysis/demo_results.py: train, evaluate, table, JSON, figure."""
import json
import os.path as osp

import cv2
import pytest
import torch

from ..tiny_runs import REPO_ROOT, load_script, tool_module, write_tiny_config

demo_results = load_script('tools', 'analysis', 'demo_results.py')
run_results = tool_module('analysis', 'benchmarking.run_results')
BOUNDARY_KEYS, DEFAULT_RUNS, format_table = (demo_results.BOUNDARY_KEYS,
                                             demo_results.DEFAULT_RUNS,
                                             demo_results.format_table)

PSP_DEMO = osp.join(REPO_ROOT, 'configs', 'demo',
                    'pspnet_r18-c32-d16_1xb4-1k_demo-cityscapes-256x512.py')


def load_tool():
    return load_script('tools', 'analysis', 'demo_results.py')


def test_default_runs_cover_every_head_and_the_mmseg_baselines():
    from mmengine.config import Config
    heads, aux_heads = set(), set()
    for _, config in DEFAULT_RUNS:
        cfg = Config.fromfile(osp.join(REPO_ROOT, config))
        heads.add(cfg.model.decode_head.type)
        aux = cfg.model.get('auxiliary_head') or []
        aux_heads |= {
            h['type']
            for h in (aux if isinstance(aux, list) else [aux])
        }
        # trained the same way: schedule, seed, crop, batch
        assert cfg.train_cfg.max_iters == 1000
        assert cfg.randomness.seed == 0
        assert cfg.train_dataloader.batch_size == 4
        assert cfg.crop_size == (256, 256)
        assert [h['type'] for h in cfg.custom_hooks] == [
            'ModelDataCheckHook', 'NonFiniteLossHook', 'IterationSeedHook'
        ]
    import inspect

    from mmseg.models.decode_heads.decode_head import BaseDecodeHead

    from mmseg_ext.models import decode_heads
    ours = {
        name
        for name, obj in vars(decode_heads).items()
        if inspect.isclass(obj) and issubclass(obj, BaseDecodeHead)
    }
    assert {'FCNHead', 'PSPHead', 'DepthwiseSeparableASPPHead'} <= heads
    # ClassPresenceHead is an auxiliary head (of the PSPUpsampleHead run)
    assert ours - {'ClassPresenceHead'} <= heads, ours - heads
    assert 'ClassPresenceHead' in aux_heads


@pytest.mark.slow  # two tiny trainings end to end (minutes on 2 cores)
@pytest.mark.timeout(900)
def test_train_evaluate_table_and_figure(tmp_path):
    data_root = str(tmp_path / 'data')
    fcn = write_tiny_config(
        str(tmp_path / 'fcn_tiny.py'), data_root, max_iters=2)
    psp = write_tiny_config(
        str(tmp_path / 'psp_tiny.py'), data_root, base=PSP_DEMO, max_iters=2)
    untrained = write_tiny_config(
        str(tmp_path / 'untrained_tiny.py'), data_root, max_iters=2)
    out = tmp_path / 'out'
    out.mkdir()
    tool = load_tool()
    args = [
        '--configs', f'FCN={fcn}', f'PSP={psp}', '--work-root',
        str(tmp_path / 'runs'), '--train', '--table',
        str(out / 'table.md'), '--json',
        str(out / 'results.json'), '--figure',
        str(out / 'fig.png'), '--images', '0', '3'
    ]
    results = tool.main(args)
    assert list(results) == ['FCN', 'PSP']
    for result in results.values():
        metrics = result['metrics']
        for key in ['mIoU'] + BOUNDARY_KEYS:
            assert 0.0 <= metrics[key] <= 100.0, (key, metrics)
        assert result['train_s_per_iter'] > 0
        assert result['params_m'] > 0
    assert results['PSP']['decode_head'] == 'PSPHead'
    saved = json.loads((out / 'results.json').read_text())
    assert saved['FCN']['metrics'] == results['FCN']['metrics']
    table = (out / 'table.md').read_text().splitlines()
    assert len(table) == 4 and table[2].startswith('| FCN |')
    assert f"{results['PSP']['metrics']['BIoU']:.2f}" in table[3]
    picture = cv2.imread(str(out / 'fig.png'))
    # rows: image, ground truth, FCN, PSP (64 px + 22 px title each);
    # columns: two 128 px images with a 4 px gap each
    assert picture.shape == (4 * (64 + 22), 2 * (128 + 4), 3)

    # a second call without --train reuses the checkpoints and reports a
    # config that was never trained as missing
    again = tool.main([
        '--configs', f'FCN={fcn}', f'NEW={untrained}', '--work-root',
        str(tmp_path / 'runs'), '--reuse'
    ])
    assert again['FCN']['metrics'] == results['FCN']['metrics']
    cache = tmp_path / 'runs' / 'fcn_tiny' / 'eval' / \
        'demo_results_metrics.json'
    assert json.loads(cache.read_text())['metrics'] == \
        results['FCN']['metrics']
    assert again['NEW']['missing']
    assert '| NEW | not trained |' in format_table(again)


def test_bad_configs_argument(tmp_path):
    tool = load_tool()
    with pytest.raises(SystemExit, match='NAME=CONFIG'):
        tool.main(['--configs', 'no-equals-sign'])
    with pytest.raises(SystemExit, match='does not exist'):
        tool.main(['--configs', f'X={tmp_path / "missing.py"}'])


def test_saved_metrics_belong_to_one_checkpoint_file(tmp_path, monkeypatch):
    """With reuse, a checkpoint is tested once; a retrained file (same
    path, other contents) is tested again."""
    from mmengine.runner import Runner
    tests = []

    class FakeRunner:
        model = torch.nn.Module()
        model.decode_head = torch.nn.Conv2d(1, 2, 1)

        def test(self):
            tests.append(1)
            return {'mIoU': float(len(tests))}

    monkeypatch.setattr(Runner, 'from_cfg', lambda cfg: FakeRunner())
    ckpt = tmp_path / 'iter_2.pth'
    ckpt.write_bytes(b'one')

    def evaluate(reuse):
        return run_results.evaluate_cached(PSP_DEMO, str(ckpt), str(tmp_path),
                                           [], reuse, 'cpu', 'demo_results')

    first = evaluate(True)
    assert first == ({'mIoU': 1.0}, dict(decode_head='Conv2d', params_m=0.0))
    assert evaluate(True) == first and len(tests) == 1
    assert evaluate(False)[0] == {'mIoU': 2.0}  # no reuse: tested again
    ckpt.write_bytes(b'retrained')  # another file: tested again
    assert evaluate(True)[0] == {'mIoU': 3.0} and len(tests) == 3
