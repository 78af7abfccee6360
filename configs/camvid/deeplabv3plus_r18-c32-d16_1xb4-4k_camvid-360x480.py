# DeepLabV3+ (mmseg's DepthwiseSeparableASPPHead) on CamVid, from scratch on
# the shared backbone and schedule: the no-stream twin of
# gscnn-deeplabv3plus_r18-c32-d16_1xb4-4k_camvid-360x480.py (same ASPP,
# decoder and widths, no shape stream, no boundary losses).
_base_ = [
    'mmseg::_base_/models/deeplabv3plus_r50-d8.py',
    '../_base_/mmseg_ext_runtime.py',
    '../_base_/datasets/camvid.py',
    '../_base_/schedules/schedule_camvid.py',
]
crop_size = (360, 480)
norm_cfg = dict(type='BN', requires_grad=True)
data_preprocessor = dict(size=crop_size)
model = dict(
    data_preprocessor=data_preprocessor,
    # No ImageNet weights here: random init (README: one line to change).
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
        num_classes=11,
        norm_cfg=norm_cfg),
    auxiliary_head=dict(
        in_channels=128, channels=64, num_classes=11, norm_cfg=norm_cfg))
randomness = dict(seed=0)
