# Copyright (c) mmseg_ext contributors. All rights reserved.
"""No host synchronisations that mmseg's own DeepLabV3+ does not have.

One ``train_step`` and one ``test_step`` of each shipped head family, built
from its CamVid config (the half-width ResNetV1c-18 of every CamVid model)
on a random batch of 2 at 64x64, under :func:`count_host_syncs`; mmseg's
DeepLabV3+ from the same config folder is the baseline, counted in the same
test. The CUDA variant runs a step under
``torch.cuda.set_sync_debug_mode('error')``.
"""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

from mmseg_ext.datasets.transforms import GenerateSegBoundary
from mmseg_ext.models.utils import CannyImageGradient
from ..tiny_runs import load_script
from .host_syncs import count_host_syncs

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CAMVID = osp.join(REPO_ROOT, 'configs', 'camvid')
SIZE = (64, 64)
BASELINE = 'deeplabv3plus_r18-c32-d16_1xb4-1500it_camvid-256x256.py'
#: Every shipped head family, by its CamVid config.
FAMILIES = {
    'GSCNNHead':
    'gscnn_r18-c32-d16_1xb4-1500it_camvid-256x256.py',
    'GSCNNSepASPPHead':
    'gscnn-deeplabv3plus_r18-c32-d16_1xb4-1500it_camvid-256x256.py',
    'RefineNetHead':
    'refinenet_r18-c32-d16_1xb4-1500it_camvid-256x256.py',
    'LightWeightRefineNetHead':
    'lw-refinenet_r18-c32-d16_1xb4-1500it_camvid-256x256.py',
    'PSPUpsampleHead+ClassPresenceHead':
    'psp-upsample-presence_r18-c32-d16_1xb4-1500it_camvid-256x256.py',
}


def build_model(config: str,
                device: str = 'cpu',
                size: tuple = SIZE) -> torch.nn.Module:
    """The model of a CamVid config, padded to ``size``."""
    cfg = Config.fromfile(osp.join(CAMVID, config))
    cfg.model.data_preprocessor.size = size
    cfg.model.pretrained = None
    return MODELS.build(cfg.model).to(device)


def make_data(num_classes: int = 11,
              batch: int = 2,
              seed: int = 0,
              size: tuple = SIZE) -> dict:
    """A random batch as ``PackSegInputs`` gives it (with edge maps): 4x4
    blocks of random classes and an image that follows them, so that the
    losses see boundaries as in real data."""
    rng = np.random.default_rng(seed)
    boundary = GenerateSegBoundary(radius=2)
    inputs, samples = [], []
    block = np.ones((-(-size[0] // 4), -(-size[1] // 4)), dtype=np.int64)
    for _ in range(batch):
        label = np.kron(rng.integers(0, num_classes, (4, 4)), block)
        label = label[:size[0], :size[1]].astype(np.uint8)
        label[:4] = 255
        img = (label[None] * 20 + rng.integers(0, 40, (3, *size))).clip(
            0, 255).astype(np.uint8)
        edge = boundary.transform({'gt_seg_map': label})['gt_edge_map']
        sample = SegDataSample(
            metainfo=dict(
                img_shape=size, ori_shape=size, pad_shape=size, flip=False))
        sample.gt_sem_seg = PixelData(
            data=torch.from_numpy(label[None].astype(np.int64)))
        sample.gt_edge_map = PixelData(
            data=torch.from_numpy(edge[None].astype(np.int64)))
        inputs.append(torch.from_numpy(img))
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def count_step_syncs(config: str) -> dict:
    """Sync call sites of one train and one test step (dict of Counters).
    """
    torch.manual_seed(0)
    model = build_model(config)
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=1e-3))
    model.train_step(make_data(), wrapper)  # warm-up: lazy init, caches
    with count_host_syncs() as train:
        model.train_step(make_data(seed=1), wrapper)
    with count_host_syncs() as test:
        model.test_step(make_data(seed=2))
    return dict(train=train, test=test)


@pytest.fixture(scope='module')
def baseline_syncs():
    return count_step_syncs(BASELINE)


def test_counter_counts_syncs():
    x = torch.arange(6.)
    with count_host_syncs() as counts:
        x.sum().item()
        bool(x.any())
        x[x > 2]
        x.nonzero()
        torch.equal(x, x)
        x[1:]  # a slice is no sync
    assert sum(counts.values()) == 5, counts


def _in_package(counts) -> int:
    """Syncs at call sites in this package's code."""
    return sum(n for site, n in counts.items() if 'mmseg_ext' in site)


@pytest.mark.parametrize('family', sorted(FAMILIES))
def test_no_more_syncs_than_deeplabv3plus(family, baseline_syncs):
    ours = count_step_syncs(FAMILIES[family])
    for step in ('train', 'test'):
        got, base = ours[step], baseline_syncs[step]
        message = (f"{family} {step}_step vs mmseg's DeepLabV3+. Ours: "
                   f'{dict(got)}; baseline: {dict(base)}')
        assert sum(got.values()) <= sum(base.values()), message
        # what remains is mmseg's own (its accuracy's mask indexing)
        assert _in_package(got) <= _in_package(base), message


def test_tensor_canny_has_no_host_sync():
    """The path GPUs take: 'auto' on a non-CPU device (meta tensors carry
    no values, so any read-back would raise)."""
    gradient = CannyImageGradient()
    images = torch.zeros(2, 3, 32, 40, device='meta')
    assert not gradient.uses_opencv(images)
    with count_host_syncs() as counts:
        edges = gradient(images)
    assert edges.shape == (2, 1, 32, 40) and not counts, counts


@pytest.mark.gpu
@pytest.mark.parametrize('family', sorted(FAMILIES))
def test_cuda_step_under_sync_debug_error(family):
    gpu_check = load_script('tools', 'gpu_check', 'gpu_check.py')
    model = build_model(FAMILIES[family], 'cuda')
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=1e-3))
    gpu_check.step_under_sync_debug(model, make_data(), wrapper)
