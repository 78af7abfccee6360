# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Cityscapes-layout dataset that generates the synthetic demo data."""
import os
import os.path as osp
from typing import Optional

from mmseg.registry import DATASETS

from ..demo import generate_demo_cityscapes, read_manifest
from .checked_dataset import CheckedCityscapesDataset


@DATASETS.register_module()
class DemoCityscapesDataset(CheckedCityscapesDataset):
    """The embedded synthetic street scenes, generated on first use.

    If ``data_root`` is missing or empty, or holds an incomplete or
    differently-parametrised output of the demo generator, the data is
    generated there first (see
    :func:`mmseg_ext.demo.generate_demo_cityscapes`).
    Otherwise it behaves exactly as ``CityscapesDataset``: the files are in
    the Cityscapes layout with 19 trainIds and 255 as ignore.

    Args:
        demo_cfg (dict, optional): Generator parameters (``seed``,
            ``num_train``, ``num_val``, ``size``). Defaults to the generator's
            defaults.
        auto_generate (bool): Generate when needed. Default True.
        **kwargs: Passed to ``CityscapesDataset``.
    """

    def __init__(self,
                 demo_cfg: Optional[dict] = None,
                 auto_generate: bool = True,
                 **kwargs) -> None:
        self.demo_cfg = dict(demo_cfg or {})
        self.auto_generate = auto_generate
        super().__init__(**kwargs)

    def _missing_data_hint(self) -> str:
        return ('Generate it with `python tools/misc/make_demo_data.py '
                f'--out {self.data_root}` or set auto_generate=True.')

    def full_init(self) -> None:
        if self._fully_initialized:
            return
        root = self.data_root
        if self.auto_generate and root:
            fresh = not osp.exists(root) or not os.listdir(root)
            if fresh or read_manifest(root) is not None:
                generate_demo_cityscapes(root, **self.demo_cfg)
        super().full_init()
