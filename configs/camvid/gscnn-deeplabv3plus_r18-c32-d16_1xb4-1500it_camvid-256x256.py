# Gated-SCNN on DeepLabV3+ (GSCNNSepASPPHead: mmseg's separable ASPP and
# decoder with the shape-stream fusion) on CamVid: the Gated-SCNN config
# with this head. Its exact no-stream twin is
# deeplabv3plus_r18-c32-d16_1xb4-1500it_camvid-256x256.py (same ASPP,
# decoder and widths; README).
_base_ = ['./gscnn_r18-c32-d16_1xb4-1500it_camvid-256x256.py']
model = dict(
    decode_head=dict(
        _delete_=True,
        type='GSCNNSepASPPHead',
        in_channels={{_base_.model.decode_head.in_channels}},
        in_index=3,
        channels=64,
        dilations=(1, 3, 6, 9),
        c1_in_channels={{_base_.backbone_width}},
        c1_channels=24,
        dropout_ratio=0.1,
        num_classes={{_base_.num_classes}},
        norm_cfg={{_base_.model.decode_head.norm_cfg}},
        align_corners=False,
        loss_decode={{_base_.model.decode_head.loss_decode}},
        loss_edge={{_base_.model.decode_head.loss_edge}},
        loss_dual=dict(
            type='DualTaskLoss', tau=0.5, scale_factor=0.5, smooth_radius=2),
        loss_edge_att={{_base_.model.decode_head.loss_edge_att}}))
