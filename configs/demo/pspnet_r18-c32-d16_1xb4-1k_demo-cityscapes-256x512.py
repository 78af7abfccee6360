# mmseg's PSPHead on the demo backbone of
# fcn_r18-c32-d16_1xb4-1k_demo-cityscapes-256x512.py (half-width
# ResNetV1c-18, output stride 16), same data and schedule: the PSPNet
# baseline of the CPU benchmark example in docs/benchmarks.md.
_base_ = ['./fcn_r18-c32-d16_1xb4-1k_demo-cityscapes-256x512.py']
model = dict(
    decode_head=dict(
        _delete_=True,
        type='PSPHead',
        in_channels=256,
        in_index=3,
        channels=128,
        pool_scales=(1, 2, 3, 6),
        dropout_ratio=0.1,
        num_classes=19,
        norm_cfg={{_base_.model.auxiliary_head.norm_cfg}},
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)))
