# Copyright (c) mmseg_ext contributors. All rights reserved.
"""ADE20K with its 150 classes merged into 25 (Nikronic/ObjectNet)."""
from mmseg.datasets import ADE20KDataset
from mmseg.registry import DATASETS

from .checked_dataset import DataListChecksMixin

#: ADE20K-150 id (0-based, after ``reduce_zero_label``) of each of the 25
#: classes, in order: class ``k`` keeps the name and colour of ADE20K class
#: ``ADE20K_25_SOURCE_IDS[k]`` and absorbs the classes merged into it
#: (Nikronic/ObjectNet ``data/object25_info.csv``, 1-based there).
ADE20K_25_SOURCE_IDS = (0, 1, 2, 3, 4, 5, 6, 7, 10, 12, 13, 14, 15, 16, 17, 18,
                        20, 23, 24, 26, 36, 43, 53, 65, 74)


def _ade20k_25_metainfo() -> dict:
    ade = ADE20KDataset.METAINFO
    return dict(
        classes=tuple(ade['classes'][i].strip() for i in ADE20K_25_SOURCE_IDS),
        palette=[list(ade['palette'][i]) for i in ADE20K_25_SOURCE_IDS])


@DATASETS.register_module()
class ADE20K25Dataset(DataListChecksMixin, ADE20KDataset):
    """ADE20K (SceneParsing) with 25 merged classes.

    ADE20K's files (ids 0..149 with ``reduce_zero_label``), remapped to the
    25 ids by :class:`~mmseg_ext.datasets.transforms.RemapLabels` in every
    pipeline (``configs/_base_/datasets/ade20k_25.py``); unmerged classes
    become ``ignore_index``. Names and colours follow
    :data:`ADE20K_25_SOURCE_IDS`.

    Args:
        **kwargs: Passed to ``ADE20KDataset``.
    """
    METAINFO = _ade20k_25_metainfo()
