# PSPUpsampleHead with class-presence supervision on a half-width
# ResNetV1c-18 (32 base channels, output stride 16), trained from scratch
# on the embedded synthetic street scenes; CPU-sized like configs/demo/.
# Narrow head: 128-wide bottleneck, three x2 blocks (64, 32, 32) predicting
# at 1/2 resolution.
_base_ = [
    '../_base_/models/psp-upsample_r50-d8.py',
    '../_base_/demo_cityscapes_runtime.py'
]
data_preprocessor = dict(size={{_base_.crop_size}})
model = dict(
    data_preprocessor=data_preprocessor,
    pretrained=None,
    backbone=dict(
        depth=18,
        stem_channels=32,
        base_channels=32,
        strides=(1, 2, 2, 1),
        dilations=(1, 1, 1, 2)),
    decode_head=dict(
        in_channels=256,
        bottleneck_channels=128,
        upsample_channels=(64, 32, 32)),
    auxiliary_head=[
        dict(
            type='FCNHead',
            in_channels=128,
            in_index=2,
            channels=64,
            num_convs=1,
            concat_input=False,
            dropout_ratio=0.1,
            num_classes=19,
            norm_cfg=dict(type='SyncBN', requires_grad=True),
            loss_decode=dict(
                type='CrossEntropyLoss', use_sigmoid=False, loss_weight=0.4)),
        dict(
            type='ClassPresenceHead',
            in_channels=128,
            in_index=2,
            channels=64,
            num_classes=19,
            loss_decode=dict(
                type='CrossEntropyLoss',
                use_sigmoid=True,
                avg_non_ignore=True,
                loss_weight=0.4,
                loss_name='loss_presence'))
    ])
