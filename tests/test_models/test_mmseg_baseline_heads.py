# Copyright (c) mmseg_ext contributors. All rights reserved.
"""mmseg's own heads through the shared base: it checks the base itself and
that mmseg's heads work with the stack fixes (mmcv-lite)."""
from .seg_head_test_base import SegHeadTestBase


class TestFCNHeadThroughBase(SegHeadTestBase):

    def head_cfg(self, in_channels, num_classes):
        return dict(
            type='FCNHead',
            in_channels=in_channels[-1],
            in_index=3,
            channels=16,
            num_convs=1,
            num_classes=num_classes)


class TestPSPHeadThroughBase(SegHeadTestBase):
    backbones = ('resnetv1c', 'mit')

    def head_cfg(self, in_channels, num_classes):
        return dict(
            type='PSPHead',
            in_channels=in_channels[-1],
            in_index=3,
            channels=16,
            pool_scales=(1, 2, 3, 6),
            num_classes=num_classes)
