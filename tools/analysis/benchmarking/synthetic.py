# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Synthetic batches for benchmarking segmentors without data.

A batch is what a dataloader hands to ``model.train_step``: a dict with
``inputs`` (list of (3, H, W) uint8 tensors, as ``PackSegInputs`` packs them)
and ``data_samples`` (list of ``SegDataSample``). Labels are uniform random
class indices in ``[0, num_classes)``.

Ground truth beyond ``gt_sem_seg`` is pluggable: a :class:`SyntheticField`
says how to fake one data-sample field and when a config needs it (a
train-pipeline transform that produces it, or a model that reads it). The
package registers ``gt_edge_map`` (Gated-SCNN's boundary targets, from
``GenerateSegBoundary``; mmseg's ``GenerateEdge`` too); other fields are
added with :func:`register_synthetic_field`.
"""
from dataclasses import dataclass
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample
from torch import Tensor, nn

FieldMaker = Callable[[Tensor, torch.Generator], PixelData]


@dataclass(frozen=True)
class SyntheticField:
    """How to fake one data-sample field of a training batch.

    Args:
        name (str): Data-sample key, e.g. ``'gt_edge_map'``.
        make (callable): ``make(gt_sem_seg, generator)`` returns the field
            for one sample, given its (1, H, W) int64 label map.
        producers (tuple[str]): Types of train-pipeline transforms that add
            the field; a config whose train pipeline has one needs it.
        needed_by (callable, optional): ``needed_by(model)`` is True when
            the built model reads the field whatever the pipeline says.
    """
    name: str
    make: FieldMaker
    producers: Tuple[str, ...] = ()
    needed_by: Optional[Callable[[nn.Module], bool]] = None


SYNTHETIC_FIELDS: Dict[str, SyntheticField] = {}


def register_synthetic_field(field: SyntheticField,
                             force: bool = False) -> SyntheticField:
    """Add ``field`` to :data:`SYNTHETIC_FIELDS` (``force`` replaces)."""
    if field.name == 'gt_sem_seg':
        raise ValueError('register_synthetic_field: gt_sem_seg is always '
                         'generated; register extra fields only.')
    if field.name in SYNTHETIC_FIELDS and not force:
        raise KeyError(f'register_synthetic_field: {field.name!r} is '
                       'already registered (pass force=True to replace).')
    SYNTHETIC_FIELDS[field.name] = field
    return field


def _random_binary_map(gt_sem_seg: Tensor,
                       generator: torch.Generator) -> PixelData:
    """(1, H, W) int64 map of 0/1, the layout ``PackSegInputs`` gives."""
    data = torch.randint(
        0, 2, gt_sem_seg.shape, generator=generator, dtype=torch.int64)
    return PixelData(data=data)


def _reads_edge_targets(model: nn.Module) -> bool:
    """A module with a boundary loss (``loss_edge``) reads gt_edge_map."""
    return any(
        getattr(module, 'loss_edge', None) is not None
        for module in model.modules())


register_synthetic_field(
    SyntheticField(
        name='gt_edge_map',
        make=_random_binary_map,
        producers=('GenerateSegBoundary', 'GenerateEdge'),
        needed_by=_reads_edge_targets))


def _transform_types(pipeline: Optional[Iterable]) -> List[str]:
    """Type names of a pipeline, nested ones (e.g. in TestTimeAug) too."""
    names = []
    for step in pipeline or []:
        if isinstance(step, dict):
            step_type = step.get('type', '')
            if isinstance(step_type, str):
                names.append(step_type.split('.')[-1])
            for value in step.values():
                if isinstance(value, (list, tuple)):
                    names += _transform_types(value)
        elif isinstance(step, (list, tuple)):
            names += _transform_types(step)
    return names


def required_fields(
    model: nn.Module,
    train_pipeline: Optional[Sequence] = None,
    extra: Sequence[str] = ()
) -> List[str]:
    """Registered fields a training batch for ``model`` must carry.

    Args:
        model (nn.Module): The built segmentor.
        train_pipeline (list[dict], optional): The config's train pipeline.
        extra (Sequence[str]): Field names to add regardless.

    Returns:
        list[str]: Field names, sorted.
    """
    unknown = sorted(set(extra) - set(SYNTHETIC_FIELDS))
    if unknown:
        raise KeyError(f'synthetic batch: no generator for {unknown}; '
                       f'registered: {sorted(SYNTHETIC_FIELDS)} (see '
                       'register_synthetic_field).')
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
    """A dataloader-style batch of random images and labels.

    Args:
        batch_size (int): Number of samples N.
        size (tuple[int, int]): (H, W) of every image.
        num_classes (int): Labels are drawn from ``[0, num_classes)``.
        fields (Sequence[str]): Extra registered fields to fill.
        with_labels (bool): Add ``gt_sem_seg`` (and ``fields``). Default
            True; inference batches need none.
        seed (int): Seed of the generator, so that every config of a run
            sees the same batch.

    Returns:
        dict: ``inputs`` (N tensors of (3, H, W) uint8) and
        ``data_samples`` (N ``SegDataSample`` with the metainfo mmseg's
        pipeline sets).
    """
    height, width = size
    if batch_size < 1 or height < 1 or width < 1:
        raise ValueError('synthetic batch: batch size and (H, W) must be '
                         f'positive, got {batch_size} and {size}')
    if with_labels and num_classes < 1:
        raise ValueError('synthetic batch: num_classes must be >= 1, got '
                         f'{num_classes}')
    generator = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for _ in range(batch_size):
        inputs.append(
            torch.randint(
                0,
                256, (3, height, width),
                generator=generator,
                dtype=torch.uint8))
        sample = SegDataSample(
            metainfo=dict(
                img_path='synthetic',
                ori_shape=(height, width),
                img_shape=(height, width),
                pad_shape=(height, width),
                scale_factor=(1.0, 1.0),
                flip=False,
                flip_direction=None))
        if with_labels:
            labels = torch.randint(
                0,
                num_classes, (1, height, width),
                generator=generator,
                dtype=torch.int64)
            sample.gt_sem_seg = PixelData(data=labels)
            for name in fields:
                sample.set_field(
                    SYNTHETIC_FIELDS[name].make(labels, generator), name)
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)
