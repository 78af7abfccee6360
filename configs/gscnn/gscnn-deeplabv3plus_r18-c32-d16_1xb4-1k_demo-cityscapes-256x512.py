# The demo baseline deeplabv3plus_r18-c32-d16_... with the shape stream:
# GSCNNSepASPPHead = DepthwiseSeparableASPPHead + Gated-SCNN's edge branch
# and losses, on the demo GSCNN's neck. The controlled boundary comparison.
_base_ = './gscnn_r18-c32-d16_1xb4-1k_demo-cityscapes-256x512.py'
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    decode_head=dict(
        _delete_=True,
        type='GSCNNSepASPPHead',
        in_channels=256,
        in_index=3,
        channels=64,
        dilations=(1, 3, 6, 9),
        c1_in_channels=32,
        c1_channels=24,
        dropout_ratio=0.1,
        num_classes=19,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)))
