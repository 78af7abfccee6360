# PSPUpsampleHead + ClassPresenceHead on CamVid, on the shared CamVid model,
# data and schedule (configs/_base_/models/camvid_r18-c32-d16.py, README):
# pyramid pooling with progressive x2 upsampling, mmseg's pixel-wise deep
# supervision and image-level class-presence supervision on stage 3.
_base_ = ['../_base_/models/camvid_r18-c32-d16.py']
# The presence head reads what the FCN auxiliary head reads (stage 3).
aux_channels = {{_base_.model.auxiliary_head.in_channels}}
model = dict(
    decode_head=dict(
        type='PSPUpsampleHead',
        pool_scales=(1, 2, 3, 6),
        bottleneck_channels=128,
        # Output stride 16: four x2 blocks reach the input resolution.
        upsample_channels=(64, 32, 32, 32),
        pool_dropout_ratio=0.3,
        dropout_ratio=0.15),
    auxiliary_head=[
        {{_base_.model.auxiliary_head}},
        dict(
            type='ClassPresenceHead',
            in_channels=aux_channels,
            in_index=2,
            channels=64,
            num_classes={{_base_.num_classes}},
            loss_decode=dict(
                type='CrossEntropyLoss',
                use_sigmoid=True,
                avg_non_ignore=True,
                loss_weight=0.4,
                loss_name='loss_presence'))
    ])
