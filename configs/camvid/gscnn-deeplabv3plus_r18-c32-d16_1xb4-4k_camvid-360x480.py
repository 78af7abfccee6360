# Gated-SCNN on DeepLabV3+ (GSCNNSepASPPHead: mmseg's separable ASPP and
# decoder with the shape-stream fusion) on CamVid, from scratch on the
# shared backbone and schedule. Its exact no-stream twin is
# deeplabv3plus_r18-c32-d16_1xb4-4k_camvid-360x480.py (README).
_base_ = './gscnn_r18-c32-d16_1xb4-4k_camvid-360x480.py'
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
        num_classes=11,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0),
        loss_edge=dict(type='BoundaryBCELoss', loss_weight=20.0),
        loss_dual=dict(
            type='DualTaskLoss', tau=0.5, scale_factor=0.5, smooth_radius=2),
        loss_edge_att=dict(
            type='EdgeAttentionLoss', threshold=0.8, loss_weight=1.0)))
