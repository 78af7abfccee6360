# Gated-SCNN (GSCNNHead + GatedShapeStream) on CamVid, on the shared CamVid
# model, data and schedule (configs/_base_/models/camvid_r18-c32-d16.py,
# README).
_base_ = ['../_base_/models/camvid_r18-c32-d16.py']
model = dict(
    type='ShapeStreamEncoderDecoder',
    image_gradient=dict(
        low_threshold=10.,
        high_threshold=100.,
        backend='auto',
        hysteresis_iters=256),
    neck=dict(
        type='GatedShapeStream',
        in_channels={{_base_.stage_channels}},
        stream_index=0,
        stream_in_channels=16,
        in_index=(1, 2, 3),
        channels=(16, 8, 4),
        # The shape stream at 1/4 of the input (the paper: full size).
        stride=4,
        norm_cfg={{_base_.model.decode_head.norm_cfg}},
        align_corners=False),
    decode_head=dict(
        type='GSCNNHead',
        channels=64,
        # ASPP rates for output stride 16 (16x16 crops, 23x30 frames).
        dilations=(1, 3, 6, 9),
        fine_in_index=0,
        fine_in_channels={{_base_.backbone_width}},
        fine_channels=24,
        num_convs=2,
        loss_edge=dict(type='BoundaryBCELoss', loss_weight=20.0),
        # Boundaries compared at half resolution, radius 2 (the paper: full
        # resolution, radius 4): the same blur at a quarter of the cost.
        loss_dual=dict(
            type='DualTaskLoss',
            tau=0.5,
            loss_weight=1.0,
            scale_factor=0.5,
            smooth_radius=2),
        loss_edge_att=dict(
            type='EdgeAttentionLoss', threshold=0.8, loss_weight=1.0)))
train_dataloader = dict(
    dataset=dict(pipeline={{_base_.shape_stream_train_pipeline}}))
tta_model = dict(type='ShapeStreamTTAModel')
# Image, ground truth, prediction and predicted edges side by side.
visualizer = dict(type='SideBySideSegVisualizer')
