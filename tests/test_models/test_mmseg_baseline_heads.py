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
    # The base's batch-1 check catches what it is there for: mmseg's PSP
    # module normalises the 1x1 pooled bin (one value per channel).
    batch1_failure = ('mmseg PSPHead: BatchNorm on the 1x1 pyramid bin '
                      'fails at batch 1 (mmseg #272); PSPUpsampleHead '
                      'has no norm there')

    def head_cfg(self, in_channels, num_classes):
        return dict(
            type='PSPHead',
            in_channels=in_channels[-1],
            in_index=3,
            channels=16,
            pool_scales=(1, 2, 3, 6),
            num_classes=num_classes)
