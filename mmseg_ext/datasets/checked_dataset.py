# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Cityscapes reader that names the problem when the data is not there."""
import os.path as osp
from typing import List

from mmseg.datasets import CityscapesDataset
from mmseg.registry import DATASETS


class DataListChecksMixin:
    """Clear errors for a missing data folder or an empty split, instead of
    mmseg's bare ``FileNotFoundError`` or ``need at least one array to
    concatenate``.

    The datasets' one mixin: list it before the mmseg dataset class; its
    ``load_data_list()`` has ``BaseSegDataset``'s signature and checks around
    the base's.
    """

    def _missing_data_hint(self) -> str:
        return ('Prepare the data as described in the README (or fix '
                '`data_root`/`data_prefix` in the config).')

    def load_data_list(self) -> List[dict]:
        name = type(self).__name__
        img_dir = self.data_prefix.get('img_path', '')
        ann_dir = self.data_prefix.get('seg_map_path', '')
        for kind, folder in (('image', img_dir), ('label', ann_dir)):
            if folder and not osp.isdir(folder):
                raise FileNotFoundError(
                    f'{name}: {kind} folder {folder!r} does not exist '
                    f'(data_root={self.data_root!r}). '
                    f'{self._missing_data_hint()}')
        data_list = super().load_data_list()
        if not data_list and not self.test_mode:
            raise ValueError(
                f'{name}: no samples found: no file ending in '
                f'{self.img_suffix!r} under {img_dir!r} (data_root='
                f'{self.data_root!r}). Check the split folder and '
                '`img_suffix`.')
        if ann_dir:
            missing = [
                d['seg_map_path'] for d in data_list
                if not osp.isfile(d['seg_map_path'])
            ]
            if missing:
                raise FileNotFoundError(
                    f'{name}: {len(missing)} label map(s) missing for images '
                    f'under {img_dir!r}, e.g. {missing[0]!r} (expected '
                    f'suffix {self.seg_map_suffix!r}).')
        return data_list


@DATASETS.register_module()
class CheckedCityscapesDataset(DataListChecksMixin, CityscapesDataset):
    """mmseg's ``CityscapesDataset`` (same files) with clear errors for bad
    data folders.
    """
