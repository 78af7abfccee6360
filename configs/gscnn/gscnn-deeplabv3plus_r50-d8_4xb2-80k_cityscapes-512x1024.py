# The shape stream under mmseg's DeepLabV3+ head: GSCNNSepASPPHead is
# DepthwiseSeparableASPPHead with Gated-SCNN's edge branch in the ASPP and
# the shape-stream losses of the base. Everything else equals mmseg's
# deeplabv3plus_r50-d8_4xb2-80k_cityscapes-512x1024.py, so the two differ
# only by the shape stream.
_base_ = './gscnn_r50-d8_4xb2-80k_cityscapes-512x1024.py'
norm_cfg = dict(type='SyncBN', requires_grad=True)
model = dict(
    decode_head=dict(
        _delete_=True,
        type='GSCNNSepASPPHead',
        in_channels=2048,
        in_index=3,
        channels=512,
        dilations=(1, 12, 24, 36),
        c1_in_channels=256,
        c1_channels=48,
        dropout_ratio=0.1,
        num_classes=19,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)))
