# The shared ResNetV1c-50 (r50.py) dilated to output stride 8, with mmseg's
# pixel-wise deep supervision: an FCNHead on stage 3 weighted 0.4 (the PSPNet
# paper's auxiliary loss). A model base adds its decode head.
_base_ = ['./r50.py']
model = dict(
    backbone=dict(dilations=(1, 1, 2, 4), strides=(1, 2, 1, 1)),
    auxiliary_head=dict(
        type='FCNHead',
        in_channels=1024,
        in_index=2,
        channels=256,
        num_convs=1,
        concat_input=False,
        dropout_ratio=0.1,
        num_classes=19,
        norm_cfg=_base_.norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=0.4)))
