# Copyright (c) mmseg_ext contributors. All rights reserved.
"""``import mmseg_ext`` registers the package into mmseg's registries,
without clashing with mmseg's own names."""
import subprocess
import sys

import pytest
from mmseg.registry import (DATASETS, HOOKS, INFERENCERS, METRICS, MODELS,
                            TRANSFORMS, VISUALIZERS)

import mmseg_ext  # noqa: F401
from .tiny_runs import REPO_ROOT

EXPECTED = {
    DATASETS: [
        'ADE20K25Dataset', 'CamVidDataset', 'CheckedCityscapesDataset',
        'DemoCityscapesDataset'
    ],
    TRANSFORMS: [
        'CheckSegMap', 'GenerateSegBoundary', 'LoadCheckedAnnotations',
        'RemapLabels'
    ],
    METRICS: ['BoundaryFScore', 'BoundaryIoU'],
    MODELS: [
        'BoundaryBCELoss', 'ClassPresenceHead', 'DualTaskLoss',
        'EdgeAttentionLoss', 'GSCNNHead', 'GSCNNSepASPPHead',
        'GatedShapeStream', 'LightWeightRefineNetHead', 'PSPUpsampleHead',
        'RefineNetHead', 'ShapeStreamEncoderDecoder', 'ShapeStreamTTAModel',
        'WiderResNet'
    ],
    HOOKS: [
        'AtomicCheckpointHook', 'EdgeMapWriterHook', 'IterationSeedHook',
        'ModelDataCheckHook', 'NonFiniteLossHook'
    ],
    INFERENCERS: ['MMSegExtInferencer'],
    VISUALIZERS: ['SideBySideSegVisualizer'],
}


@pytest.mark.parametrize('registry', list(EXPECTED), ids=lambda r: r.name)
def test_registered_into_mmseg(registry):
    for name in EXPECTED[registry]:
        cls = registry.get(name)
        assert cls is not None, f'{name} missing from {registry.name}'
        assert cls.__module__.startswith('mmseg_ext.'), (name, cls)


def test_no_name_shadows_mmseg():
    """Every name of ours is new to mmseg (registering a taken name would
    have raised at import; this also guards against ``force=True``)."""
    import mmseg.models  # noqa: F401
    for registry in EXPECTED:
        for name, cls in registry.module_dict.items():
            if cls.__module__.startswith('mmseg_ext.'):
                assert not name.startswith('mmseg.'), name
                assert name not in {
                    'PSPHead', 'ASPPHead', 'FCNHead', 'CityscapesDataset',
                    'IoUMetric', 'CheckpointHook', 'SegLocalVisualizer',
                    'EncoderDecoder', 'GenerateEdge'
                }, name


def test_custom_imports_in_a_config_registers_everything(tmp_path):
    """What mmseg's stock tools do: read a config with custom_imports."""
    cfg = tmp_path / 'c.py'
    cfg.write_text("custom_imports = dict(imports=['mmseg_ext'], "
                   'allow_failed_imports=False)\n')
    code = ('from mmengine import Config\n'
            f'Config.fromfile({str(cfg)!r})\n'
            'from mmseg.registry import DATASETS\n'
            "assert DATASETS.get('DemoCityscapesDataset') is not None\n"
            'import mmseg.models\n'
            "print('OK')\n")
    proc = subprocess.run([sys.executable, '-c', code],
                          cwd=REPO_ROOT,
                          capture_output=True,
                          text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'OK' in proc.stdout
