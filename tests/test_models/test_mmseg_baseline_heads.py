# Copyright (c) mmseg_ext contributors. All rights reserved.
"""mmseg's own heads through the shared base, alone and with the Gated-SCNN
shape stream added by config (``ShapeStreamEncoderDecoder``).

Alone they check the base itself and that mmseg's heads work with the
stack fixes (mmcv-lite). With the stream they check that any mmseg head
gains it unchanged: the boundary map fused at its input, the four losses,
``pred_edge_map``, batch 1 with BN, bf16 and ONNX export.
"""
from .seg_head_test_base import SegHeadTestBase

PSP_BATCH1_FAILURE = ('mmseg PSPHead: BatchNorm on the 1x1 pyramid bin '
                      'fails at batch 1 (mmseg #272); PSPUpsampleHead has '
                      'no norm there')
POOL_BATCH1_FAILURE = ('mmseg {}: BatchNorm on the 1x1 image-pooling map '
                       'fails at batch 1 (mmseg #272); GSCNNSepASPPHead '
                       'has no norm there')


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
    batch1_failure = PSP_BATCH1_FAILURE
    # 6x6 features: every bin count (1, 2, 3, 6) divides them, which the
    # ONNX exporter needs for adaptive pooling
    export_size = (48, 48)

    def head_cfg(self, in_channels, num_classes):
        return dict(
            type='PSPHead',
            in_channels=in_channels[-1],
            in_index=3,
            channels=16,
            pool_scales=(1, 2, 3, 6),
            num_classes=num_classes)


class TestASPPHeadThroughBase(SegHeadTestBase):
    batch1_failure = POOL_BATCH1_FAILURE.format('ASPPHead')

    def head_cfg(self, in_channels, num_classes):
        return dict(
            type='ASPPHead',
            in_channels=in_channels[-1],
            in_index=3,
            channels=16,
            dilations=(1, 2, 3),
            num_classes=num_classes)


class TestDepthwiseSeparableASPPHeadThroughBase(SegHeadTestBase):
    batch1_failure = POOL_BATCH1_FAILURE.format('DepthwiseSeparableASPPHead')

    def head_cfg(self, in_channels, num_classes):
        return dict(
            type='DepthwiseSeparableASPPHead',
            in_channels=in_channels[-1],
            in_index=3,
            channels=16,
            dilations=(1, 2, 3),
            c1_in_channels=in_channels[0],
            c1_channels=8,
            num_classes=num_classes)


class TestUPerHeadThroughBase(SegHeadTestBase):
    batch1_failure = PSP_BATCH1_FAILURE.replace('PSPHead', 'UPerHead')
    export_size = (48, 48)  # the PPM's bins divide the 6x6 features

    def head_cfg(self, in_channels, num_classes):
        return dict(
            type='UPerHead',
            in_channels=list(in_channels),
            in_index=[0, 1, 2, 3],
            pool_scales=(1, 2, 3, 6),
            channels=16,
            num_classes=num_classes)


class TestSegformerHeadThroughBase(SegHeadTestBase):

    def head_cfg(self, in_channels, num_classes):
        return dict(
            type='SegformerHead',
            in_channels=list(in_channels),
            in_index=[0, 1, 2, 3],
            channels=16,
            num_classes=num_classes)


class TestFCNHeadWithShapeStream(TestFCNHeadThroughBase):
    shape_stream = True


class TestPSPHeadWithShapeStream(TestPSPHeadThroughBase):
    shape_stream = True


class TestASPPHeadWithShapeStream(TestASPPHeadThroughBase):
    shape_stream = True


class TestDepthwiseSeparableASPPHeadWithShapeStream(
        TestDepthwiseSeparableASPPHeadThroughBase):
    shape_stream = True


class TestUPerHeadWithShapeStream(TestUPerHeadThroughBase):
    shape_stream = True


class TestSegformerHeadWithShapeStream(TestSegformerHeadThroughBase):
    shape_stream = True
