# Copyright (c) mmseg_ext contributors. All rights reserved.
"""tools/analysis/benchmark.py: structure of its report on tiny configs.

Wall-clock numbers are never asserted; only that every measurement ran,
is positive, and that ratios are taken against the first config.
"""
import json
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from mmseg_ext.utils import benchmark as benchmark_meters
from ..tiny_runs import REPO_ROOT, load_script, tool_module, write_tiny_config

# tools/analysis/benchmarking, imported as the benchmark scripts do; its
# runner imports the package's other modules.
tool_module('analysis', 'benchmarking.runner')
_bench = tool_module('analysis', 'benchmarking')
BenchmarkSettings = _bench.runner.BenchmarkSettings
run_benchmark = _bench.runner.run_benchmark
required_fields = _bench.synthetic.required_fields
synthetic_batch = _bench.synthetic.synthetic_batch
measure_data = _bench.measurements.measure_data
MEASUREMENTS = _bench.measurements.MEASUREMENTS
inference_test_cfg = _bench.measurements.inference_test_cfg
PeakMemoryMeter = benchmark_meters.PeakMemoryMeter
build_model, describe_error, strip_pretrained = (
    _bench.model_setup.build_model, _bench.model_setup.describe_error,
    _bench.model_setup.strip_pretrained)
add_ratios, merge_rounds = _bench.report.add_ratios, _bench.report.merge_rounds
expand_measurements = _bench.runner.expand_measurements

GSCNN_DEMO = osp.join(REPO_ROOT, 'configs', 'gscnn',
                      'gscnn_r18-c32-d16_1xb4-1k_demo-cityscapes-256x512.py')


def _load_tool():
    return load_script('tools', 'analysis', 'benchmark.py')


@pytest.fixture(scope='module')
def tiny_configs(tmp_path_factory):
    """The demo FCN on a tiny generated dataset, and a variant with one
    more head conv inheriting it."""
    tmp = tmp_path_factory.mktemp('bench')
    first = write_tiny_config(
        str(tmp / 'fcn_tiny.py'), str(tmp / 'demo_data'), max_iters=2)
    second = tmp / 'fcn_tiny_2convs.py'
    second.write_text(f'_base_ = [{first!r}]\n'
                      'model = dict(decode_head=dict(num_convs=2))\n')
    return first, str(second)


@pytest.mark.slow
def test_two_configs_side_by_side(tiny_configs, tmp_path, capsys):
    out = tmp_path / 'bench.json'
    tool = _load_tool()
    tool.main([
        *tiny_configs, '--input-size', '64', '64', '--warmup', '1', '--iters',
        '2', '--data-samples', '2', '--threads', '1', '--out',
        str(out)
    ])
    printed = capsys.readouterr().out
    results = json.loads(out.read_text())

    assert results['environment']['torch'] == torch.__version__
    assert results['environment']['device_name']
    settings = results['settings']
    assert settings['input_size'] == [64, 64]
    assert settings['infer_size'] == [64, 64]
    assert (settings['warmup'], settings['iters']) == (1, 2)
    assert settings['measurements'] == list(MEASUREMENTS)
    entries = results['configs']
    assert [e['name'] for e in entries] == ['fcn_tiny', 'fcn_tiny_2convs']
    for entry in entries:
        for name in MEASUREMENTS:
            assert 'error' not in entry[name], (name, entry[name])
        train = entry['train']
        assert len(train['step']['times_ms']) == 2
        assert train['step']['median_ms'] > 0
        assert train['images_per_s'] > 0
        assert train['peak_memory_mb'] > 0
        assert 'VmHWM' in train['memory']['method']
        assert train['synthetic_fields'] == ['gt_sem_seg']
        for mode in ('infer_whole', 'infer_slide'):
            assert entry[mode]['time']['median_ms'] > 0
            assert entry[mode]['images_per_s'] > 0
            assert entry[mode]['peak_memory_mb'] > 0
        assert entry['infer_whole']['test_cfg']['mode'] == 'whole'
        assert entry['infer_slide']['test_cfg']['mode'] == 'slide'
        assert entry['infer_slide']['windows_per_image'] >= 1
        loss = entry['loss']
        assert set(loss['heads']) == {'decode_head', 'auxiliary_head'}
        assert 'loss_ce' in loss['heads']['decode_head']['terms']
        assert loss['decode_head_ms'] > 0
        assert loss['decode_head_fraction'] > 0
        assert entry['params']['total'] > 0
        assert entry['flops']['total'] > 0
        assert entry['flops']['by_module']['backbone'] > 0
        assert entry['data']['images_per_s'] > 0
        assert entry['data']['samples'] == 2
        assert entry['utilization']['achieved_tflops'] > 0
    first, second = entries
    assert all(v == 1.0 for v in first['ratios'].values())
    assert all(v > 0 for v in second['ratios'].values())
    # One more conv: deterministic, unlike the timings.
    assert second['ratios']['params'] > 1.0
    assert second['ratios']['flops'] > 1.0
    assert 'fcn_tiny_2convs' in printed and 'x step' in printed


@pytest.mark.slow
def test_cpu_bf16_channels_last_gscnn():
    """bf16 autocast and channels_last on CPU, in this process, for a model
    that needs synthetic edge ground truth (Gated-SCNN)."""
    settings = BenchmarkSettings(
        batch_size=2,
        input_size=(32, 48),
        warmup=1,
        iters=1,
        amp='bf16',
        channels_last=True,
        measurements=('train', 'loss', 'infer_whole'),
        isolation='none')
    results = run_benchmark([GSCNN_DEMO], settings)
    gscnn = results['configs'][0]
    for name in ('train', 'loss', 'infer_whole'):
        assert 'error' not in gscnn[name], (name, gscnn[name])
    assert gscnn['train']['images_per_s'] > 0
    assert 'shared process' in gscnn['train']['memory']['method']
    assert gscnn['train']['synthetic_fields'] == ['gt_sem_seg', 'gt_edge_map']
    heads = gscnn['loss']['heads']
    assert 'loss_ce' in heads['decode_head']['terms']
    assert {'loss_edge', 'loss_dual',
            'loss_edge_att'} <= set(heads['shape_stream_loss']['terms'])
    assert gscnn['ratios']['train_step_time'] == 1.0


@pytest.mark.skipif(
    not osp.exists('/proc/self/status'), reason='needs Linux /proc')
def test_cpu_meter_in_a_shared_process_sees_a_new_allocation():
    """After 400 MB were allocated and freed, a 200 MB allocation still
    shows (the heap is trimmed before the high-water mark is reset)."""
    freed = [torch.ones(1 << 20) for _ in range(100)]  # 100 x 4 MiB
    del freed
    meter = PeakMemoryMeter('cpu', fresh_process=False)
    meter.start()
    held = torch.ones(50 << 20)  # 200 MiB, touched
    memory = meter.stop()
    del held
    assert 190 <= memory['peak_mb'] <= 260, memory
    assert 'shared process' in memory['method']


@pytest.mark.gpu
@pytest.mark.parametrize('amp', ['fp16', 'bf16'])
def test_cuda_amp_channels_last(tiny_configs, amp):
    """AMP and channels_last on a GPU: every measurement runs, memory is
    the CUDA allocator's peak."""
    settings = BenchmarkSettings(
        device='cuda',
        input_size=(64, 96),
        warmup=1,
        iters=2,
        amp=amp,
        channels_last=True,
        measurements=('train', 'loss', 'infer', 'flops'))
    results = run_benchmark([tiny_configs[0], GSCNN_DEMO], settings)
    for entry in results['configs']:
        for name in ('train', 'loss', 'infer_whole', 'infer_slide', 'flops'):
            assert 'error' not in entry[name], (name, entry[name])
        assert entry['train']['optim_wrapper'] == 'AmpOptimWrapper'
        assert 'max_memory_allocated' in entry['train']['memory']['method']
        assert entry['train']['peak_memory_mb'] > 0
        assert entry['utilization']['achieved_tflops'] > 0
    assert results['environment']['device_name']


def test_synthetic_batch_and_field_detection():
    cfg = Config.fromfile(GSCNN_DEMO)
    settings = dict(
        device='cpu',
        strip_pretrained=True,
        channels_last=False,
        compile=False)
    model, info = build_model(cfg, settings, (32, 32))
    assert info['type'] == 'ShapeStreamEncoderDecoder'
    # From the pipeline (GenerateSegBoundary) and from the model alone.
    assert required_fields(model, cfg.train_pipeline) == ['gt_edge_map']
    assert required_fields(model) == ['gt_edge_map']
    assert required_fields(model, extra=['gt_edge_map']) == ['gt_edge_map']
    with pytest.raises(ValueError, match='no synthetic generator'):
        BenchmarkSettings(extra_fields=('gt_depth_map', )).validate()
    batch = synthetic_batch(2, (5, 7), 19, fields=['gt_edge_map'], seed=1)
    sample = batch['data_samples'][0]
    assert batch['inputs'][0].shape == (3, 5, 7)
    assert batch['inputs'][0].dtype == torch.uint8
    assert sample.gt_sem_seg.data.shape == (1, 5, 7)
    assert int(sample.gt_sem_seg.data.max()) < 19
    assert set(sample.gt_edge_map.data.unique().tolist()) <= {0, 1}
    again = synthetic_batch(2, (5, 7), 19, fields=['gt_edge_map'], seed=1)
    assert torch.equal(batch['inputs'][1], again['inputs'][1])


def test_strip_pretrained_and_slide_defaults():
    model_cfg = dict(
        pretrained='open-mmlab://resnet50_v1c',
        backbone=dict(init_cfg=[
            dict(type='Pretrained', checkpoint='a.pth'),
            dict(type='Kaiming', layer='Conv2d')
        ]),
        decode_head=dict(init_cfg=dict(type='Pretrained', checkpoint='b')))
    removed = strip_pretrained(model_cfg)
    assert len(removed) == 3
    assert model_cfg['pretrained'] is None
    assert model_cfg['backbone']['init_cfg'] == [
        dict(type='Kaiming', layer='Conv2d')
    ]
    assert model_cfg['decode_head']['init_cfg'] is None

    cfg = Config(
        dict(
            model=dict(
                data_preprocessor=dict(size=(512, 1024)),
                test_cfg=dict(mode='whole'))))
    settings = dict(
        infer_size=(1024, 2048), slide_crop=None, slide_stride=None)
    slide = inference_test_cfg(cfg, settings, 'slide')
    assert slide == dict(
        mode='slide', crop_size=(512, 1024), stride=(342, 683))
    assert inference_test_cfg(cfg, settings, 'whole') == dict(mode='whole')


def test_settings_errors_and_ratios(tmp_path):
    with pytest.raises(ValueError, match='fp16 needs --device cuda'):
        BenchmarkSettings(amp='fp16').validate()
    with pytest.raises(ValueError, match='unknown measurement'):
        expand_measurements(['train', 'speed'])
    assert expand_measurements(['infer']) == ('infer_whole', 'infer_slide')
    with pytest.raises(ValueError, match='--compile needs --warmup'):
        BenchmarkSettings(compile=True, warmup=0).validate()
    with pytest.raises(ValueError, match='input_size'):
        BenchmarkSettings(input_size=(64, 0)).validate()

    # missing data: mmseg's error names the folder
    missing = str(tmp_path / 'cityscapes')
    cfg = Config(
        dict(
            train_dataloader=dict(
                dataset=dict(
                    type='CityscapesDataset',
                    data_root=missing,
                    data_prefix=dict(
                        img_path='leftImg8bit/train',
                        seg_map_path='gtFine/train'),
                    pipeline=[]))))
    with pytest.raises(FileNotFoundError, match=missing):
        measure_data(cfg, dict(seed=0, data_samples=1, warmup=0))

    entries = [
        dict(train=dict(step=dict(median_ms=10.0), peak_memory_mb=4.0)),
        dict(train=dict(step=dict(median_ms=25.0), peak_memory_mb=2.0)),
        dict(train=dict(error='boom'))
    ]
    add_ratios(entries)
    assert entries[0]['ratios']['train_step_time'] == 1.0
    assert entries[1]['ratios']['train_step_time'] == 2.5
    assert entries[1]['ratios']['train_memory'] == 0.5
    assert entries[2]['ratios']['train_step_time'] is None
    assert entries[1]['ratios']['infer_whole_time'] is None

    rounds = [
        dict(
            train=dict(
                step=dict(median_ms=m, times_ms=[m, m + 1]),
                input_size=[64, 64],
                memory=dict(method='m', peak_mb=mb)),
            params=dict(total=7))
        for m, mb in ((3.0, 1.0), (9.0, 2.0), (4.0, 3.0))
    ]
    merged = merge_rounds(rounds)
    assert merged['train']['step'] == dict(
        median_ms=4.0, times_ms=[3.0, 4.0, 9.0, 10.0, 4.0, 5.0])
    assert merged['train']['memory'] == dict(method='m', peak_mb=2.0)
    assert merged['train']['input_size'] == [64, 64]
    assert merged['params']['total'] == 7
    rounds[1]['train'] = dict(error='out of memory')
    assert merge_rounds(rounds)['train'] == dict(error='out of memory')

    from torch._dynamo.exc import Unsupported
    text = describe_error(Unsupported('graph break\nmore'), dict(compile=True))
    assert text == 'torch.compile failed: Unsupported: graph break'
