# Copyright (c) mmseg_ext contributors. All rights reserved.
"""The families ``tools/misc/upstream.py`` writes into mmsegmentation:
for each, a few seed classes, its configs, tests and README; the rest
(modules, bases, helpers) is computed. Adding a family is an entry in
``FAMILIES``. See docs/upstream.md."""
from dataclasses import dataclass, field
from typing import Dict, List


@dataclass
class Family:
    """Seeds of one family: the rest is computed.

    Attributes:
        algo: Folder name in mmseg (``configs/<algo>``, ``projects/<algo>``).
        classes: Registered classes of the family (seeds of the closure).
        configs: Globs of the configs to write (those that need code which
            is not upstream material are left out, and reported).
        tests: Glob of a test file -> its folder in mmseg's test layout.
        readme: The family README in this repository, if any.
        requires: Families whose classes the configs may use.
        extra: Other repository files -> their path in the tree.
        carry: ``##``/``###`` sections of the README carried under
            "Results and models" (official figures, config tables), pruned
            of what the tree lacks.
        camvid: File-name patterns of the configs whose recorded CamVid
            runs (docs/camvid_runs.json) the README tabulates.
    """
    algo: str
    classes: List[str]
    configs: List[str] = field(default_factory=list)
    tests: Dict[str, str] = field(default_factory=dict)
    readme: str = ''
    requires: List[str] = field(default_factory=list)
    extra: Dict[str, str] = field(default_factory=dict)
    carry: List[str] = field(default_factory=list)
    camvid: List[str] = field(default_factory=list)


FAMILIES = {
    'gscnn':
    Family(
        'gscnn', [
            'GSCNNHead', 'GSCNNSepASPPHead', 'ShapeStreamEncoderDecoder',
            'ShapeStreamTTAModel', 'GatedShapeStream', 'WiderResNet',
            'BoundaryBCELoss', 'DualTaskLoss', 'EdgeAttentionLoss',
            'GenerateSegBoundary'
        ], ['configs/gscnn/*.py'], {
            'tests/**/test_gscnn_losses.py': 'tests/test_models/test_losses',
            'tests/**/test_wider_resnet.py':
            'tests/test_models/test_backbones',
            'tests/**/test_generate_seg_boundary.py': 'tests/test_datasets',
        },
        'configs/gscnn/README.md',
        carry=['Cityscapes (official figures; not reproduced here)'],
        camvid=[
            'gscnn_*', 'gscnn-deeplabv3plus_*', 'gscnn-deeplabv3plus-*',
            'deeplabv3plus_*'
        ]),
    'refinenet':
    Family(
        'refinenet', ['RefineNetHead', 'LightWeightRefineNetHead'],
        ['configs/refinenet/*.py'],
        {'tests/**/test_refinenet_head.py': 'tests/test_models/test_heads'},
        'configs/refinenet/README.md',
        carry=['Official numbers', 'Configs'],
        camvid=['refinenet_*', 'lw-refinenet_*']),
    'pspnet':
    Family(
        'pspnet', ['PSPUpsampleHead', 'ClassPresenceHead'],
        ['configs/pspnet/*.py'],
        {'tests/**/test_psp_upsample_head.py': 'tests/test_models/test_heads'},
        'configs/pspnet/README.md',
        carry=[
            'Official weights (hszhao/semseg), converted', 'PSPUpsampleHead'
        ],
        camvid=['psp-upsample*', 'pspnet_*']),
    'boundary-metrics':
    Family(
        'boundary_metrics', ['BoundaryFScore', 'BoundaryIoU'], [], {
            'tests/**/test_boundary_metrics.py':
            'tests/test_evaluation/test_metrics',
            'tests/**/test_boundary_fscore_gscnn.py':
            'tests/test_evaluation/test_metrics',
        }),
    'camvid':
    Family(
        'camvid', ['CamVidDataset', 'GenerateSegBoundary'], [
            'configs/camvid/*.py', 'configs/camvid/converged/*.py',
            'configs/camvid/ablation/*.py'
        ], {'tests/**/test_camvid_dataset.py': 'tests/test_datasets'},
        'configs/camvid/README.md',
        requires=['boundary-metrics'],
        extra={
            'tools/dataset_converters/camvid.py':
            'tools/dataset_converters/camvid.py'
        },
        carry=[
            'Published results on the same split (test, 11 classes, 360x480)'
        ],
        camvid=['*']),
}
