# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Synthetic batches for benchmarking segmentors without data.

A batch is what a dataloader hands to ``model.train_step``: ``inputs``
(list of (3, H, W) uint8 tensors, as ``PackSegInputs`` packs them) and
``data_samples`` (list of ``SegDataSample``), labels uniform in
``[0, num_classes)``. Ground truth beyond ``gt_sem_seg`` comes from
:data:`SYNTHETIC_FIELDS`; a script adds entries there to fake more.
"""
from dataclasses import dataclass
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample
from torch import Tensor, nn


@dataclass(frozen=True)
class SyntheticField:
    """How to fake one data-sample field of a training batch.

    Args:
        make (callable): ``make(gt_sem_seg, generator)`` returns the field
            for one sample, given its (1, H, W) int64 label map.
        producers (tuple[str]): Types of train-pipeline transforms that add
            the field; a config whose train pipeline has one needs it.
        needed_by (callable, optional): ``needed_by(model)`` is True when
            the built model reads the field whatever the pipeline says.
    """
    make: Callable[[Tensor, torch.Generator], PixelData]
    producers: Tuple[str, ...] = ()
    needed_by: Optional[Callable[[nn.Module], bool]] = None


#: Data-sample key -> how to fake it. ``gt_edge_map``: Gated-SCNN's
#: boundary targets, a random (1, H, W) int64 0/1 map.
SYNTHETIC_FIELDS: Dict[str, SyntheticField] = dict(
    gt_edge_map=SyntheticField(
        make=lambda gt, generator: PixelData(
            data=torch.randint(
                0, 2, gt.shape, generator=generator, dtype=torch.int64)),
        producers=('GenerateSegBoundary', 'GenerateEdge'),
        # a module with a boundary loss reads the edge targets
        needed_by=lambda model: any(
            getattr(m, 'loss_edge', None) is not None
            for m in model.modules())))


def _transform_types(pipeline: Optional[Iterable]) -> List[str]:
    """Type names of a pipeline, nested ones (e.g. in TestTimeAug) too."""
    names = []
    for step in pipeline or []:
        if isinstance(step, dict):
            step_type = step.get('type', '')
            if isinstance(step_type, str):
                names.append(step_type.split('.')[-1])
            step = [v for v in step.values() if isinstance(v, (list, tuple))]
        if isinstance(step, (list, tuple)):
            names += _transform_types(step)
    return names


def required_fields(
    model: nn.Module,
    train_pipeline: Optional[Sequence] = None,
    extra: Sequence[str] = ()
) -> List[str]:
    """The sorted names of the :data:`SYNTHETIC_FIELDS` that a training
    batch for ``model`` needs (by its train pipeline or by the model),
    plus ``extra`` (names :class:`~.runner.BenchmarkSettings` checked)."""
    steps = set(_transform_types(train_pipeline))
    names = set(extra)
    for name, field in SYNTHETIC_FIELDS.items():
        if steps & set(field.producers) or (field.needed_by is not None
                                            and field.needed_by(model)):
            names.add(name)
    return sorted(names)


def synthetic_batch(batch_size: int,
                    size: Tuple[int, int],
                    num_classes: int,
                    fields: Sequence[str] = (),
                    with_labels: bool = True,
                    seed: int = 0) -> dict:
    """A dataloader-style batch of ``batch_size`` random (3, H, W) images
    of ``size``, with (1, H, W) labels and the extra ``fields`` when
    ``with_labels``. The same ``seed`` gives every config the same batch.
    """
    height, width = size
    if batch_size < 1 or height < 1 or width < 1:
        raise ValueError('synthetic batch: batch size and (H, W) must be '
                         f'positive, got {batch_size} and {size}')
    if with_labels and num_classes < 1:
        raise ValueError('synthetic batch: num_classes must be >= 1, got '
                         f'{num_classes}')
    generator = torch.Generator().manual_seed(seed)
    shape = (height, width)
    inputs, samples = [], []
    for _ in range(batch_size):
        inputs.append(
            torch.randint(
                0, 256, (3, *shape), generator=generator, dtype=torch.uint8))
        sample = SegDataSample(
            metainfo=dict(
                img_path='synthetic',
                ori_shape=shape,
                img_shape=shape,
                pad_shape=shape,
                scale_factor=(1.0, 1.0),
                flip=False,
                flip_direction=None))
        if with_labels:
            labels = torch.randint(
                0,
                num_classes, (1, *shape),
                generator=generator,
                dtype=torch.int64)
            sample.gt_sem_seg = PixelData(data=labels)
            for name in fields:
                sample.set_field(
                    SYNTHETIC_FIELDS[name].make(labels, generator), name)
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)
