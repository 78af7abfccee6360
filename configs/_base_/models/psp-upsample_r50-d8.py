# PSPUpsampleHead (pyramid pooling without channel reduction + progressive
# x2 upsampling, the pspnet-pytorch design) on mmseg's dilated ResNetV1c-50
# (output stride 8), with mmseg's pixel-wise deep supervision (FCNHead on
# stage 3, weight 0.4, the PSPNet paper's auxiliary loss): r50-d8_fcn-aux.py.
_base_ = ['./r50-d8_fcn-aux.py']
model = dict(
    decode_head=dict(
        type='PSPUpsampleHead',
        in_channels=2048,
        in_index=3,
        pool_scales=(1, 2, 3, 6),
        bottleneck_channels=1024,
        # Three x2 blocks: stride-8 features -> full resolution.
        upsample_channels=(256, 64, 64),
        pool_dropout_ratio=0.3,
        dropout_ratio=0.15,
        num_classes=19,
        norm_cfg=_base_.norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)))
