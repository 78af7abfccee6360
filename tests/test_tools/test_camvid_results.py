# Copyright (c) mmseg_ext contributors. All rights reserved.
"""tools/analysis/camvid_results.py: per-class IoU, checkpoint choice,
tables, seed spread, and a tiny train-test-figure run end to end."""
import json
import os.path as osp

import cv2
import numpy as np
import pytest
import torch

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
                      camvid.CONFIG_PATTERN.format('gscnn'))
    evaluator = camvid.test_evaluator(config)
    types = [m['type'] for m in evaluator]
    assert types == [
        'PerClassIoUMetric', 'BoundaryFScore', 'BoundaryFScore', 'BoundaryIoU'
    ]
    assert [m.get('protocol') for m in evaluator[1:3]] == [None, 'gscnn']


def test_default_runs_train_every_model_the_same_way():
    from mmengine.config import Config
    runs = camvid.default_runs(REPO_ROOT)
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
        wall_s=600)


def test_tables_and_seed_spread():
    results = {
        'G, seed 0': _result('G', 0, 50.0, 60.0),
        'G, seed 1': _result('G', 1, 47.0, 61.0),
        'F, seed 0': _result('F', 0, 40.0, 50.0),
        'P, seed 0': dict(name='P', seed=0, missing=True),
    }
    spread = camvid.seed_spread(results)
    assert list(spread) == ['G']  # one seed: no spread
    assert spread['G']['mIoU'] == dict(mean=48.5, half_range=1.5, seeds=2)
    main = camvid.format_main_table(results).splitlines()
    assert len(main) == 2 + 4
    assert main[2].startswith('| G | 0 | 1000 | 51.0 | 50.0 |')
    assert '| P | 0 | not trained |' in main[5]
    classes = camvid.format_class_table(results, ['Sky', 'Road'])
    assert '| F | 0 | 90.0 | - |' in classes  # nan shows as '-'
    assert '48.5 ± 1.5' in camvid.format_seed_table(spread)
    assert '| G | 1 | 3.00 | 0.500 | 10.0 |' in camvid.format_cost_table(
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
        (configs / camvid.CONFIG_PATTERN.format(key)
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
        str(tmp_path / 'runs'), '--train', '--markdown',
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
        assert row['wall_s'] >= 0 and row['s_per_iter'] > 0
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
    again = tool.main([
        '--runs', 'fcn', '--config-dir',
        str(configs), '--work-root',
        str(tmp_path / 'runs'), '--reuse'
    ])
    reused = again['FCN (mmseg FCNHead), seed 0']['metrics']
    # (classes absent from the tiny test set are nan: compare as JSON)
    assert json.dumps(reused) == json.dumps(fcn0['metrics'])
