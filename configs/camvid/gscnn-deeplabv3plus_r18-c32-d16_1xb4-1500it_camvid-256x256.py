# Gated-SCNN on DeepLabV3+ (GSCNNSepASPPHead: mmseg's separable ASPP and
# decoder with the shape-stream fusion) on CamVid, from scratch on the
# shared half-width ResNetV1c-18 (output stride 16) and schedule. Its exact
# no-stream twin is deeplabv3plus_r18-c32-d16_1xb4-1500it_camvid-256x256.py
# (same ASPP, decoder and widths; README).
_base_ = [
    '../_base_/models/gscnn_r50-d8.py',
    '../_base_/mmseg_ext_shape_stream_runtime.py',
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
    neck=dict(
        in_channels=[backbone_width * 2**i for i in range(4)],
        stream_in_channels=16,
        channels=(16, 8, 4),
        # The shape stream at 1/4 of the input (the paper: full size).
        stride=4,
        norm_cfg=norm_cfg),
    decode_head=dict(
        _delete_=True,
        type='GSCNNSepASPPHead',
        in_channels=8 * backbone_width,
        in_index=3,
        channels=64,
        # ASPP rates for output stride 16 (16x16 crops, 23x30 frames).
        dilations=(1, 3, 6, 9),
        c1_in_channels=backbone_width,
        c1_channels=24,
        dropout_ratio=0.1,
        num_classes=11,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0),
        loss_edge=dict(type='BoundaryBCELoss', loss_weight=20.0),
        # Boundaries compared at half resolution, radius 2 (as GSCNNHead).
        loss_dual=dict(
            type='DualTaskLoss', tau=0.5, scale_factor=0.5, smooth_radius=2),
        loss_edge_att=dict(
            type='EdgeAttentionLoss', threshold=0.8, loss_weight=1.0)),
    auxiliary_head=dict(
        in_channels=4 * backbone_width,
        channels=64,
        num_classes=11,
        norm_cfg=norm_cfg))
train_dataloader = dict(
    dataset=dict(pipeline={{_base_.shape_stream_train_pipeline}}))
tta_model = dict(type='ShapeStreamTTAModel')
randomness = dict(seed=0)
