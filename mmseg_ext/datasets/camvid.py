# Copyright (c) mmseg_ext contributors. All rights reserved.
"""CamVid (Cambridge-driving Labeled Video Database), 11 classes."""
from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS

from .checked_dataset import DataListChecksMixin


@DATASETS.register_module()
class CamVidDataset(DataListChecksMixin, BaseSegDataset):
    """CamVid with the 11 classes of the SegNet split.

    `Semantic object classes in video: A high-definition ground truth
    database <https://doi.org/10.1016/j.patrec.2008.04.005>`_ (Brostow et
    al., Pattern Recognition Letters 2009), as used by SegNet, ENet and
    FC-DenseNet: 367 train, 101 val and 233 test frames of 360x480, 11
    classes, all other pixels ignored.

    The files are in mmseg's layout, as written by
    ``tools/dataset_converters/camvid.py`` from either the SegNet copy or
    the original 32-class colour release::

        data/camvid
        ├── img_dir/{train,val,test}/<frame>.png   RGB images
        └── ann_dir/{train,val,test}/<frame>.png   labels 0-10, 255 ignore

    Label ``k`` is class ``METAINFO['classes'][k]``; 255 is the ignore label
    (SegNet's "Unlabelled", the original release's "Void").
    ``reduce_zero_label`` is False: 0 is Sky. The palette is SegNet's
    (``Scripts/test_segmentation_camvid.py`` of alexgkendall/SegNet-
    Tutorial), the colours of the original release's label files.

    A missing ``img_dir``/``ann_dir`` folder, an empty split or an image
    without its label map raises an error naming the path and the
    converter to run.

    Args:
        img_suffix (str): Suffix of the images. Defaults to ``'.png'``.
        seg_map_suffix (str): Suffix of the label maps. Defaults to
            ``'.png'``.
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
