# Copyright (c) mmseg_ext contributors. All rights reserved.
"""tools/analysis/camvid_results.py: per-class IoU, checkpoint choice,
tables, seed spread, and a tiny train-test-figure run end to end."""
import json
import os
import os.path as osp
import re

import cv2
import numpy as np
import pytest
import torch
import yaml

from ..tiny_runs import REPO_ROOT, load_script, write_tiny_config

camvid = load_script('tools', 'analysis', 'camvid_results.py')

GSCNN_DEMO = osp.join(
    REPO_ROOT, 'configs', 'demo',
    'gscnn_r18-c32-d16_1xb4-500it_demo-cityscapes-256x512.py')


def load_tool():
    return load_script('tools', 'analysis', 'camvid_results.py')


def test_per_class_iou_matches_a_direct_count():
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    metric = camvid.PerClassIoUMetric(ignore_index=255)
    metric.dataset_meta = dict(classes=['a', 'b', 'c', 'd'])
    rng = np.random.default_rng(0)
    preds, labels = [], []
    for _ in range(3):
        label = rng.integers(0, 3, (8, 10))  # class 'd' never appears
        label[0, :3] = 255
        pred = np.where(
            rng.random((8, 10)) < 0.7, label % 255,
            rng.integers(0, 3, (8, 10)))
        preds.append(pred)
        labels.append(label)
        sample = SegDataSample()
        sample.pred_sem_seg = PixelData(data=torch.from_numpy(pred)[None])
        sample.gt_sem_seg = PixelData(data=torch.from_numpy(label)[None])
        metric.process([], [sample.to_dict()])
    result = metric.evaluate(3)
    pred, label = np.stack(preds), np.stack(labels)
    valid = label != 255
    expected = []
    for c in range(3):
        inter = np.sum((pred == c) & (label == c) & valid)
        union = np.sum(((pred == c) | (label == c)) & valid)
        expected.append(100 * inter / union)
        assert result[f'IoU.{"abc"[c]}'] == pytest.approx(
            expected[-1], abs=0.006)
    assert np.isnan(result['IoU.d'])  # absent from both maps
    assert result['mIoU'] == pytest.approx(np.mean(expected), abs=0.006)


def test_per_class_iou_refuses_other_metrics():
    with pytest.raises(ValueError, match="iou_metrics must be"):
        camvid.PerClassIoUMetric(iou_metrics=['mDice'])


def test_test_evaluator_swaps_iou_metric_only():
    config = osp.join(REPO_ROOT, camvid.CONFIG_DIR,
                      camvid.QUICK.format('gscnn'))
    evaluator = camvid.test_evaluator(config)
    types = [m['type'] for m in evaluator]
    assert types == [
        'PerClassIoUMetric', 'BoundaryFScore', 'BoundaryFScore', 'BoundaryIoU'
    ]
    assert [m.get('protocol') for m in evaluator[1:3]] == [None, 'gscnn']


def test_default_runs_train_every_model_the_same_way():
    from mmengine.config import Config
    runs = camvid.plan_runs('quick', osp.join(REPO_ROOT, camvid.CONFIG_DIR))
    heads = set()
    for run in runs:
        cfg = Config.fromfile(run.config)
        heads.add(cfg.model.decode_head.type)
        assert cfg.train_cfg.max_iters == 1500
        assert cfg.train_dataloader.batch_size == 4
        assert cfg.crop_size == (256, 256)
        assert cfg.model.backbone.depth == 18
        assert cfg.model.backbone.base_channels == 32
        assert cfg.optim_wrapper.optimizer.type == 'AdamW'
        assert cfg.randomness.seed == 0  # other seeds: --cfg-options
    assert {
        'GSCNNHead', 'GSCNNSepASPPHead', 'DepthwiseSeparableASPPHead',
        'LightWeightRefineNetHead', 'RefineNetHead', 'PSPUpsampleHead',
        'PSPHead', 'FCNHead'
    } <= heads
    seeds = {}
    for run in runs:
        seeds.setdefault(run.config_name.split('_r18')[0], []).append(run.seed)
    assert seeds['gscnn'] == [0, 1] and seeds['deeplabv3plus'] == [0, 1]
    names = [run.work_dir_name for run in runs]
    assert len(set(names)) == len(names)


def test_best_checkpoint_and_wall_time(tmp_path):
    assert camvid.best_checkpoint(str(tmp_path)) is None
    for it in (500, 1500):
        (tmp_path / f'best_mIoU_iter_{it}.pth').write_bytes(b'x')
    (tmp_path / 'iter_1500.pth').write_bytes(b'x')
    path, it = camvid.best_checkpoint(str(tmp_path))
    assert it == 1500 and path.endswith('best_mIoU_iter_1500.pth')
    log_dir = tmp_path / '20261206_151744'
    log_dir.mkdir()
    # the log file's stamps (with the year), as mmengine writes them
    (log_dir / '20261206_151744.log').write_text(
        '2026/12/06 15:17:44 - mmengine - INFO - start\n'
        'a continuation line without a stamp\n'
        '2026/12/06 15:40:14 - mmengine - INFO - end\n')
    assert camvid.run_wall_seconds(str(tmp_path)) == 22 * 60 + 30
    # a resumed launch adds its own span; console stamps (no year) parse
    resumed = tmp_path / '20261206_160000'
    resumed.mkdir()
    (resumed / '20261206_160000.log').write_text(
        '12/06 16:00:00 - mmengine - INFO - resume\n'
        '12/06 16:01:00 - mmengine - INFO - end\n')
    assert camvid.run_wall_seconds(str(tmp_path)) == 23 * 60 + 30


def _result(name, seed, miou, bf2):
    metrics = {
        'mIoU': miou,
        'gscnn/BF@2px': bf2,
        'BF@2px': bf2 - 5,
        'BIoU': 30.0,
        'IoU.Sky': 90.0,
        'IoU.Road': float('nan')
    }
    return dict(
        name=name,
        seed=seed,
        metrics=metrics,
        best_iter=1000,
        val_mIoU=miou + 1,
        params_m=3.0,
        s_per_iter=0.5,
        cpu_min=8.0,
        wall_min=10.0)


def test_tables_and_seed_spread():
    results = {
        'G, seed 0': _result('G', 0, 50.0, 60.0),
        'G, seed 1': _result('G', 1, 47.0, 61.0),
        'F, seed 0': _result('F', 0, 40.0, 50.0),
        'P, seed 0': dict(name='P', seed=0, missing=True),
    }
    spread = camvid.seed_spread(results)
    assert list(spread) == ['G']  # one seed: no spread
    assert spread['G']['mIoU'] == pytest.approx(
        dict(mean=48.5, std=2.1213203, half_range=1.5, seeds=2))
    main = camvid.format_main_table(results).splitlines()
    assert len(main) == 2 + 4
    assert main[2].startswith('| G | 0 | 1000 | 51.0 | 50.0 |')
    assert '| P | 0 | not trained |' in main[5]
    classes = camvid.format_class_table(results, ['Sky', 'Road'])
    assert '| F | 0 | 90.0 | - |' in classes  # nan shows as '-'
    assert '48.5 ± 2.1' in camvid.format_seed_table(spread)  # sample std
    assert '| G | 1 | 3.00 | 8.0 | 0.500 | 10.0 |' in camvid.format_cost_table(
        results)
    assert '| ENet (Paszke et al. 2016) | none | 51.3 |' in \
        camvid.format_published()


def test_unknown_run_is_named(tmp_path):
    tool = load_tool()
    for bad in ('gscn', 'gscnn:x'):
        with pytest.raises(SystemExit, match=f"KEY one of .*got '{bad}'"):
            tool.main(['--runs', bad])
    with pytest.raises(SystemExit, match='does not exist'):
        tool.main(['--runs', 'fcn', '--config-dir', str(tmp_path)])


def test_plans_list_the_shipped_configs():
    from mmengine.config import Config
    config_dir = osp.join(REPO_ROOT, camvid.CONFIG_DIR)
    runs = {p: camvid.plan_runs(p, config_dir) for p in camvid.PLANS}
    for plan, plan_runs in runs.items():
        for run in plan_runs:
            assert osp.isfile(run.config), (plan, run.config)
        names = [run.work_dir_name for run in plan_runs]
        assert len(set(names)) == len(names), plan
    assert runs['quick'] == camvid.plan_runs(
        'quick', osp.join(REPO_ROOT, camvid.CONFIG_DIR))

    def seeds(plan):
        found = {}
        for run in runs[plan]:
            found.setdefault(run.key, []).append(run.seed)
        return found

    assert seeds('converged') == {
        'gscnn': [0, 1, 2],
        'deeplabv3plus': [0, 1, 2],
        'gscnn-deeplabv3plus': [0, 1, 2]
    }
    for run in runs['converged']:
        cfg = Config.fromfile(run.config)
        assert cfg.train_cfg.max_iters == 6000
        assert 'EarlyStoppingHook' in [h['type'] for h in cfg.custom_hooks]
    ablation = seeds('ablation')
    assert all(s == [0, 1] for s in ablation.values())
    assert set(ablation) == {'gscnn-deeplabv3plus', 'deeplabv3plus'} | {
        f'gscnn-deeplabv3plus-{v}'
        for v in ('nogate', 'nogradient', 'nodual', 'noatt')
    }
    assert seeds('heads') == {
        'upernet': [0, 1],
        'gscnn-upernet': [0, 1],
        'fcn': [0],
        'gscnn-fcn': [0],
        'segformer': [0],
        'gscnn-segformer': [0]
    }
    # every shipped converged and ablation config is in a plan
    planned = {osp.basename(r.config) for p in runs.values() for r in p}
    for sub in ('converged', 'ablation'):
        for name in os.listdir(osp.join(config_dir, sub)):
            assert name in planned, name
    # each heads pair: the same name with and without the stream
    names = [name for name, _, _ in camvid.PLANS['heads'].rows]
    assert [n + camvid.WITH_STREAM for n in names[::2]] == names[1::2]


def _fake_run(work_dir, val_steps, best, train_steps=(), early_stop=False):
    """A work dir as tools/train.py leaves it: scalars, text log and the
    best checkpoint (an empty file)."""
    launch = work_dir / '20261207_030000'
    (launch / 'vis_data').mkdir(parents=True)
    lines = [json.dumps(dict(iter=i, loss=1.0, time=0.5)) for i in train_steps]
    lines += [
        json.dumps(dict(step=i, mIoU=40.0 + i / 1000)) for i in val_steps
    ]
    (launch / 'vis_data' / 'scalars.json').write_text('\n'.join(lines))
    log = '2026/12/07 03:00:00 - mmengine - INFO - start\n'
    if early_stop:
        log += ('2026/12/07 04:00:00 - mmengine - INFO - the monitored metric '
                'did not improve in the last 2 records. best score: 42.0.\n')
    (launch / '20261207_030000.log').write_text(log)
    (work_dir / f'best_mIoU_iter_{best}.pth').write_bytes(b'x')


def _records(tmp_path, runs):
    path = tmp_path / 'runs.json'
    path.write_text(json.dumps(dict(runs=runs)))
    return str(path)


def _record(config, seed, miou, **extra):
    metrics = {
        'mIoU': miou,
        **{
            k: miou - 10 + i
            for i, k in enumerate(camvid.GSCNN_BF_KEYS)
        },
        **{
            f'IoU.{c}': miou / 4
            for c in camvid.THIN_CLASSES
        }
    }
    return dict(
        config=f'configs/camvid/{config}',
        seed=seed,
        commit='abc123',
        metrics=metrics,
        best_iter=1500,
        **extra)


def test_status_from_fake_work_dirs(tmp_path, capsys):
    root = tmp_path / 'runs'
    gscnn = camvid.CONVERGED.format('gscnn')
    stem = osp.splitext(osp.basename(gscnn))[0]
    _fake_run(root / stem, (1000, 2000, 3000, 4000), 2000, early_stop=True)
    _fake_run(root / f'{stem}_seed1', (500, ), 500, train_steps=(500, 540))
    (root / f'{stem}_seed2').mkdir()  # launched, nothing logged yet
    records = _records(
        tmp_path,
        [
            _record(camvid.CONVERGED.format('deeplabv3plus'), 0, 40.0),
            # older code: serves the quick plan only
            _record(
                camvid.CONVERGED.format('deeplabv3plus'),
                1,
                40.0,
                plans=['quick'])
        ])
    tool = load_tool()
    assert tool.main([
        '--plan', 'converged', '--status', '--work-root',
        str(root), '--records', records
    ]) == {}
    out = capsys.readouterr().out.splitlines()
    block = {}
    for line in out:
        if not line.startswith(' '):
            current = line
        block.setdefault(current, []).append(line.strip())
    g0, g1, g2 = (
        next(v for k, v in block.items()
             if k.startswith(f'GSCNNHead (Gated-SCNN), seed {s}'))
        for s in range(3))
    assert 'best checkpoint at iter 2000, last iter 4000/6000, ' \
        'early-stopped at 4000; not recorded' in g0[1]
    assert g0[2] == (
        f'next: python tools/analysis/camvid_results.py --plan converged '
        f'--work-root {root} --runs gscnn:0 --reuse --record')
    assert 'last iter 540/6000, not early-stopped' in g1[1]
    assert g1[2].startswith(f'next: python tools/train.py configs/camvid/'
                            f'{gscnn} --work-dir {root}/{stem}_seed1 '
                            '--resume --cfg-options randomness.seed=1')
    assert 'started, no best checkpoint yet' in g2[1]
    assert g2[2].endswith('--resume --cfg-options randomness.seed=2')
    d0, d1 = (
        next(v for k, v in block.items()
             if k.startswith(f'DeepLabV3+ (mmseg Depthwise'
                             f'SeparableASPPHead), seed {s}'))
        for s in range(2))
    assert d0[1].endswith('not here; RECORDED (commit abc123)')
    assert len(d0) == 2  # nothing to do
    assert d1[1].endswith('not here; not recorded')
    assert '--resume' not in d1[2] and '_seed1 --cfg-options' in d1[2]
    assert out[-1] == ('summary: 1 recorded, 1 finished, not recorded, '
                       '2 in progress, 5 missing')


def test_reuse_builds_the_ablation_table_from_records(tmp_path):
    full = camvid.QUICK.format('gscnn-deeplabv3plus')
    nogate = camvid.ABLATION.format('nogate')
    curves = dict(
        train={'decode.loss_ce': [[50, 2.0], [100, 1.5]]},
        val={'mIoU': [[500, 30.0], [1000, 38.0]]})
    records = _records(tmp_path, [
        _record(full, 0, 40.0, curves=curves),
        _record(full, 1, 44.0),
        _record(nogate, 0, 38.0),
        _record(
            camvid.QUICK.format('deeplabv3plus'), 0, 30.0, plans=['quick'])
    ])
    out = tmp_path / 'ablation.md'
    tool = load_tool()
    results = tool.main([
        '--plan', 'ablation', '--reuse', '--work-root',
        str(tmp_path / 'none'), '--records', records, '--markdown',
        str(out), '--curves',
        str(tmp_path / 'curves.png')
    ])
    # the curves come from the record: no work dir is left
    assert cv2.imread(str(tmp_path / 'curves.png')) is not None
    assert len(results) == 12
    text = out.read_text()
    header = ('| variant | seeds | mIoU | Pole | SignSymbol | Fence | '
              'Pedestrian | Bicyclist | BF@1 (gscnn) | BF@2 (gscnn) | '
              'BF@3 (gscnn) | BF@5 (gscnn) |')
    assert header in text
    # mean ± sample std over the two seeds: 42 ± 2.83, thin classes 10.5 ±
    # 0.71, BF@1 32 ± 2.83 ... BF@5 35 ± 2.83
    assert ('| full model (GSCNNSepASPPHead) | 2 | 42.0 ± 2.8 | ' +
            ' | '.join(['10.5 ± 0.7'] * 5) + ' | 32.0 ± 2.8 | 33.0 ± 2.8 | '
            '34.0 ± 2.8 | 35.0 ± 2.8 |') in text
    assert '| no gated convolutions | 1 | 38.0 | 9.5 |' in text
    # the quick-only record does not serve the ablation
    assert '| no shape stream (DeepLabV3+) | 0 | not trained yet |' in text
    assert '| full model (GSCNNSepASPPHead) | 2 | 42.0 ± 2.8 | 2.8 ± 0.0' \
        not in text


def test_converged_and_heads_tables():
    results = {
        'G, seed 0':
        dict(
            _result('G', 0, 50.0, 60.0),
            max_iters=6000,
            iters=4000,
            early_stop_iter=4000),
        'G, seed 1':
        dict(name='G', seed=1, missing=True),
    }
    table = camvid.format_converged_table(results)
    assert '| G | 0 | 6000 | 4000 | 4000 | 1000 | 8.0 | 10.0 | 50.0 | ' \
        '60.0 |' in table
    assert '| G | 1 | not trained yet |' in table
    heads = {
        'a': _result('UPerNet', 0, 40.0, 30.0),
        'b': _result('UPerNet', 1, 42.0, 32.0),
        'c': _result('UPerNet' + camvid.WITH_STREAM, 0, 43.0, 38.0),
        'd': dict(name='FCN', seed=0, missing=True),
        'e': _result('FCN' + camvid.WITH_STREAM, 0, 41.0, 36.0),
    }
    table = camvid.format_heads_table(heads).splitlines()
    assert len(table) == 2 + 2  # one row per pair
    assert table[2] == ('| UPerNet | 2 / 1 | 41.0 ± 1.4 | 43.0 | +2.0 | '
                        '31.0 ± 1.4 | 38.0 | +7.0 | 26.0 ± 1.4 | 33.0 | '
                        '+7.0 |')
    assert table[3].startswith('| FCN | 0 / 1 | - | 41.0 | - |')


def test_records_round_trip_and_errors(tmp_path):
    run = camvid.Run(
        'FCN',
        osp.join(REPO_ROOT, camvid.CONFIG_DIR, camvid.QUICK.format('fcn')), 2)
    row = dict(_result('FCN', 2, 40.0, 30.0), commit='c0ffee', iters=1500)
    record = camvid.make_record(run, row)
    assert record['metrics']['IoU.Road'] is None  # nan: strict JSON null
    assert record['config'] == 'configs/camvid/' + camvid.QUICK.format('fcn')
    path = str(tmp_path / 'runs.json')
    camvid.save_records(path, {camvid.record_key(run.config, 2): record})
    loaded = camvid.load_records(path)
    assert camvid.find_record(loaded, run, 'heads') == record
    assert camvid.find_record(loaded, run._replace(seed=0), 'heads') is None
    bad = _records(tmp_path, [dict(config='x.py', seed=0)])
    with pytest.raises(
            SystemExit, match=r"run 0 lacks \['commit', 'metrics'\]"):
        camvid.load_records(bad)
    # the shipped records: the runs of unknown commit (before the record
    # keeping) serve the quick plan only; the others carry their commit
    # and CPU minutes and serve every plan that lists their config
    shipped = camvid.load_records(osp.join(REPO_ROOT, camvid.RECORDS))
    for record in shipped.values():
        assert osp.isfile(osp.join(REPO_ROOT, record['config']))
        if record['commit'].startswith('unknown'):
            assert record['plans'] == ['quick']
        else:
            assert re.match(r'[0-9a-f]{40}', record['commit'])
            assert record.get('plans') is None and record['cpu_min'] > 0


@pytest.mark.slow  # three tiny trainings and tests (a minute or two)
@pytest.mark.timeout(900)
def test_train_test_tables_figure_and_curves(tmp_path):
    data_root = str(tmp_path / 'data')
    configs = tmp_path / 'configs'
    configs.mkdir()
    # the CamVid configs' evaluator and checkpoint choice on tiny runs
    camvid_like = (
        "default_hooks = dict(checkpoint=dict(save_best='mIoU', "
        "rule='greater'))\n"
        "val_evaluator = [dict(type='IoUMetric', iou_metrics=['mIoU']), "
        "dict(type='BoundaryFScore', tolerances=(1, 2, 3, 5), "
        "tolerance_unit='pixel'), dict(type='BoundaryFScore', "
        "tolerances=(1, 2, 3, 5), tolerance_unit='pixel', "
        "protocol='gscnn'), dict(type='BoundaryIoU')]\n"
        'test_evaluator = val_evaluator\n')
    for key, base, extra in [
        ('fcn', None, ''),
        ('gscnn', GSCNN_DEMO,
         "train_pipeline = [dict(type='LoadImageFromFile'), "
         "dict(type='LoadAnnotations'), dict(type='RandomCrop', "
         "crop_size=crop_size), dict(type='GenerateSegBoundary'), "
         "dict(type='PackSegInputs')]\n"
         'train_dataloader = dict(dataset=dict(pipeline=train_pipeline))\n')
    ]:
        tiny = write_tiny_config(
            str(tmp_path / f'{key}_tiny.py'),
            data_root,
            max_iters=2,
            extra=extra,
            **({} if base is None else dict(base=base)))
        (configs / camvid.QUICK.format(key)
         ).write_text(f'_base_ = [{tiny!r}]\n{camvid_like}')
    out = tmp_path / 'out'
    out.mkdir()
    tool = load_tool()
    # pspnet has no tiny config here: the tool must refuse it up front
    with pytest.raises(SystemExit, match='does not exist'):
        tool.main(['--runs', 'fcn', 'pspnet', '--config-dir', str(configs)])
    results = tool.main([
        '--runs', 'fcn', 'fcn:1', 'gscnn', '--config-dir',
        str(configs), '--work-root',
        str(tmp_path / 'runs'), '--records',
        str(tmp_path / 'no_records.json'), '--train', '--markdown',
        str(out / 'results.md'), '--json',
        str(out / 'results.json'), '--figure',
        str(out / 'fig.png'), '--images', '0', '2', '--curves',
        str(out / 'curves.png')
    ])
    fcn0, fcn1, gscnn = results.values()
    assert (tmp_path / 'runs' /
            (fcn1['work_dir'].rsplit('/', 1)[-1])).name.endswith('_seed1')
    for row in results.values():
        metrics = row['metrics']
        per_class = [k for k in metrics if k.startswith('IoU.')]
        assert len(per_class) == 19  # the demo data's classes
        for key in ['mIoU', 'BIoU'] + camvid.GSCNN_BF_KEYS + \
                camvid.POOLED_BF_KEYS:
            assert 0.0 <= metrics[key] <= 100.0, (key, metrics)
        assert row['best_iter'] in (1, 2)
        assert row['wall_min'] >= 0 and row['cpu_min'] > 0 and row[
            's_per_iter'] > 0
    # the seed reaches the run: two seeds of one config train differently
    from mmengine.runner import CheckpointLoader
    weights = [
        CheckpointLoader.load_checkpoint(r['checkpoint'],
                                         map_location='cpu')['state_dict']
        for r in (fcn0, fcn1)
    ]
    assert any(not torch.equal(weights[0][k], weights[1][k])
               for k in weights[0] if weights[0][k].is_floating_point())
    saved = json.loads((out / 'results.json').read_text())
    assert list(saved['seeds']) == [fcn0['name']]
    text = (out / 'results.md').read_text()
    assert '### Per-class test IoU' in text and '### Seeds' in text
    picture = cv2.imread(str(out / 'fig.png'))
    # rows: image, ground truth, FCN, GSCNN, GSCNN's edge map (seed 0 only);
    # 64x128 images at half size: 32 px + 22 px title, 64 + 4 px columns
    assert picture.shape == (5 * (32 + 22), 2 * (64 + 4), 3)
    edge_row = picture[4 * 54 + 22:, :64].astype(int)
    # grey (an edge map), where the rows above are label colours
    assert (edge_row[..., 0] == edge_row[..., 1]).all()
    assert not (picture[3 * 54 + 22:4 * 54, :64, 0]
                == picture[3 * 54 + 22:4 * 54, :64, 1]).all()
    assert cv2.imread(str(out / 'curves.png')) is not None
    # a second call reuses the test metrics of unchanged checkpoints
    records, metafile = str(tmp_path / 'runs.json'), tmp_path / 'meta.yml'
    metafile.write_text(f'Models:\n- Config: {camvid.QUICK.format("fcn")}\n'
                        '- Config: other.py\n  Results: [x]\n')
    again = tool.main([
        '--runs', 'fcn', '--config-dir',
        str(configs), '--work-root',
        str(tmp_path / 'runs'), '--reuse', '--record', '--records', records,
        '--metafile',
        str(metafile)
    ])
    # ... and records the finished run, with what --train logged
    recorded, = json.loads(open(records).read())['runs']
    assert (recorded['seed'], recorded['iters'], recorded['max_iters'],
            recorded['best_iter']) == (0, 2, 2, fcn0['best_iter'])
    assert recorded['cpu_min'] > 0 and recorded['curves']['val']['mIoU']
    assert recorded['commit'] == fcn0['commit']
    # ... and its seed-0 figures into the metafile (none for other.py)
    fcn_meta, other_meta = yaml.safe_load(metafile.read_text())['Models']
    assert fcn_meta['Results'][0]['Metrics'] == {
        k: round(fcn0['metrics'][k], 2)
        for k in tool.HEADLINE
    } and 'Results' not in other_meta
    reused = again['FCN (mmseg FCNHead), seed 0']['metrics']
    # (classes absent from the tiny test set are nan: compare as JSON)
    assert json.dumps(reused) == json.dumps(fcn0['metrics'])


def test_shipped_metafile_results_are_the_seed_0_records(tmp_path):
    """configs/camvid/metafile.yml gives each config the figures of its
    seed-0 record in docs/camvid_runs.json (``--record`` writes both)."""
    shipped = osp.join(REPO_ROOT, camvid.META)
    derived = tmp_path / 'metafile.yml'
    derived.write_text(open(shipped).read())
    camvid.update_metafile(
        str(derived), camvid.load_records(osp.join(REPO_ROOT, camvid.RECORDS)))
    assert yaml.safe_load(derived.read_text()) == yaml.safe_load(
        open(shipped).read())
