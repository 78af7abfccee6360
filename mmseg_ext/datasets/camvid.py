# Copyright (c) mmseg_ext contributors. All rights reserved.
"""CamVid (Cambridge-driving Labeled Video Database), 11 classes."""
from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS

from .checked_dataset import DataListChecksMixin


@DATASETS.register_module()
class CamVidDataset(DataListChecksMixin, BaseSegDataset):
    """CamVid with the 11 classes of the SegNet split.

    `CamVid <https://doi.org/10.1016/j.patrec.2008.04.005>`_ (Brostow et al.,
    Pattern Recognition Letters 2009) as SegNet uses it: 360x480 frames,
    labels 0-10 (0 is Sky), 255 ignored, SegNet's palette. Files in mmseg's
    ``img_dir``/``ann_dir`` layout, written by
    ``tools/dataset_converters/camvid.py`` (configs/camvid/README.md).

    Args:
        img_suffix (str): Suffix of the images. Defaults to ``'.png'``.
        seg_map_suffix (str): Suffix of the label maps. Defaults to ``'.png'``.
        reduce_zero_label (bool): Defaults to False (label 0 is Sky).
        **kwargs: Passed to ``BaseSegDataset``.
    """
    METAINFO = dict(
        classes=('Sky', 'Building', 'Pole', 'Road', 'Pavement', 'Tree',
                 'SignSymbol', 'Fence', 'Car', 'Pedestrian', 'Bicyclist'),
        palette=[[128, 128, 128], [128, 0, 0], [192, 192, 128], [128, 64, 128],
                 [60, 40, 222], [128, 128, 0], [192, 128, 128], [64, 64, 128],
                 [64, 0, 128], [64, 64, 0], [0, 128, 192]])

    def __init__(self,
                 img_suffix: str = '.png',
                 seg_map_suffix: str = '.png',
                 reduce_zero_label: bool = False,
                 **kwargs) -> None:
        super().__init__(
            img_suffix=img_suffix,
            seg_map_suffix=seg_map_suffix,
            reduce_zero_label=reduce_zero_label,
            **kwargs)

    def _missing_data_hint(self) -> str:
        return ('Convert CamVid first: `python tools/dataset_converters/'
                f'camvid.py SRC {self.data_root or "data/camvid"}` (see '
                'configs/camvid/README.md), or fix `data_root`/'
                '`data_prefix` in the config.')
