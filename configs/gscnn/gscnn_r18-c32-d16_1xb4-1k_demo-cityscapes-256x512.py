# Gated-SCNN on a half-width ResNetV1c-18 (32 base channels, output stride
# 16), trained from scratch on the embedded synthetic street scenes; sized
# for a 2-core CPU (see configs/demo/ for the pattern). The shape stream
# works at 1/4 of the input resolution (the paper: full resolution).
_base_ = [
    '../_base_/models/gscnn_r50-d8.py', '../_base_/demo_cityscapes_runtime.py'
]
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    data_preprocessor=dict(size={{_base_.crop_size}}),
    pretrained=None,
    backbone=dict(
        depth=18,
        stem_channels=32,
        base_channels=32,
        strides=(1, 2, 2, 1),
        dilations=(1, 1, 1, 2),
        norm_cfg=norm_cfg),
    neck=dict(
        in_channels=[32, 64, 128, 256],
        stream_in_channels=16,
        channels=(16, 8, 4),
        stride=4,
        norm_cfg=norm_cfg),
    decode_head=dict(
        in_channels=256,
        channels=64,
        # Rates for the 16x16 .. 16x32 maps of output stride 16.
        dilations=(1, 3, 6, 9),
        fine_in_channels=32,
        fine_channels=24,
        norm_cfg=norm_cfg),
    # The dual-task loss compares boundaries at half resolution with a
    # radius-2 filter (the paper: full resolution, radius 4): the same blur
    # in input pixels at about a quarter of the cost on a CPU.
    shape_stream_loss=dict(
        loss_dual=dict(
            type='DualTaskLoss', tau=0.5, scale_factor=0.5, smooth_radius=2)),
    auxiliary_head=dict(in_channels=128, channels=64, norm_cfg=norm_cfg))
# The base's train pipeline (annotations loaded with mmseg's
# LoadAnnotations) plus the boundary targets of the shape stream's edge loss.
train_pipeline = [
    dict(type='LoadAnnotations') if t.type == 'LoadCheckedAnnotations' else t
    for t in _base_.train_pipeline[:-1]
] + [dict(type='GenerateSegBoundary', radius=2),
     dict(type='PackSegInputs')]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
tta_model = dict(type='ShapeStreamTTAModel')
# Image, ground truth, prediction and predicted edges side by side.
visualizer = dict(type='SideBySideSegVisualizer')
