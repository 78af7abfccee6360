# The plain DeepLabV3+ baseline of the Gated-SCNN demo: the same backbone,
# data, schedule and seed as gscnn_r18-c32-d16_1xb4-1k_demo-cityscapes-
# 256x512.py, mmseg's DepthwiseSeparableASPPHead, no shape stream. Used for
# the boundary-quality comparison in configs/gscnn/README.md.
_base_ = [
    'mmseg::_base_/models/deeplabv3plus_r50-d8.py',
    '../_base_/demo_cityscapes_runtime.py'
]
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    data_preprocessor=dict(size={{_base_.crop_size}}),
    pretrained=None,
    backbone=dict(
        depth=18,
        stem_channels=32,
        base_channels=32,
        strides=(1, 2, 2, 1),
        dilations=(1, 1, 1, 2),
        norm_cfg=norm_cfg),
    decode_head=dict(
        in_channels=256,
        channels=64,
        dilations=(1, 3, 6, 9),
        c1_in_channels=32,
        c1_channels=24,
        norm_cfg=norm_cfg),
    auxiliary_head=dict(in_channels=128, channels=64, norm_cfg=norm_cfg))
