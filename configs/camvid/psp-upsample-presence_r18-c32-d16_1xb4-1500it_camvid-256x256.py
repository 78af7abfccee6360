# PSPUpsampleHead + ClassPresenceHead on CamVid, from scratch on the shared
# half-width ResNetV1c-18 (output stride 16) and schedule (README): pyramid
# pooling with progressive x2 upsampling, mmseg's pixel-wise deep
# supervision and image-level class-presence supervision on stage 3.
_base_ = [
    '../_base_/models/psp-upsample_r50-d8.py',
    '../_base_/mmseg_ext_runtime.py',
    '../_base_/datasets/camvid.py',
    '../_base_/schedules/schedule_camvid.py',
]
crop_size = (256, 256)
# Backbone: a half-width ResNetV1c-18 trained from scratch (README). With
# GPUs and ImageNet weights, change this one line to
# `backbone_width, backbone_weights = 64, 'open-mmlab://resnet18_v1c'`.
backbone_width, backbone_weights = 32, None
norm_cfg = dict(type='BN', requires_grad=True)
data_preprocessor = dict(size=crop_size)
model = dict(
    data_preprocessor=data_preprocessor,
    pretrained=backbone_weights,
    backbone=dict(
        depth=18,
        stem_channels=backbone_width,
        base_channels=backbone_width,
        strides=(1, 2, 2, 1),
        dilations=(1, 1, 1, 2),
        norm_cfg=norm_cfg),
    decode_head=dict(
        in_channels=8 * backbone_width,
        bottleneck_channels=128,
        # Output stride 16: four x2 blocks reach the input resolution.
        upsample_channels=(64, 32, 32, 32),
        num_classes=11,
        norm_cfg=norm_cfg),
    auxiliary_head=[
        dict(
            type='FCNHead',
            in_channels=4 * backbone_width,
            in_index=2,
            channels=64,
            num_convs=1,
            concat_input=False,
            dropout_ratio=0.1,
            num_classes=11,
            norm_cfg=norm_cfg,
            align_corners=False,
            loss_decode=dict(
                type='CrossEntropyLoss', use_sigmoid=False, loss_weight=0.4)),
        dict(
            type='ClassPresenceHead',
            in_channels=4 * backbone_width,
            in_index=2,
            channels=64,
            num_classes=11,
            loss_decode=dict(
                type='CrossEntropyLoss',
                use_sigmoid=True,
                avg_non_ignore=True,
                loss_weight=0.4,
                loss_name='loss_presence'))
    ])
randomness = dict(seed=0)
