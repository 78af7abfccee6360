# The shared CamVid model (camvid_r18-c32-d16.py) with the Gated-SCNN shape
# stream: ShapeStreamEncoderDecoder, the GatedShapeStream neck at 1/4 of the
# input (the paper: full size), the three shape-stream losses and the
# boundary targets in the train pipeline. A config adds its decode head:
# GSCNNHead / GSCNNSepASPPHead read the stream themselves, any other head
# gets the boundary map fused at its input (configs/gscnn/README.md).
_base_ = ['./camvid_r18-c32-d16.py']
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
        stride=4,
        norm_cfg={{_base_.model.decode_head.norm_cfg}},
        align_corners=False),
    # The official loss weights (ShapeStreamLoss's defaults), with the
    # dual-task boundaries compared at half resolution, radius 2 (the paper:
    # full resolution, radius 4): the same blur at a quarter of the cost.
    shape_stream_loss=dict(
        loss_dual=dict(
            type='DualTaskLoss', tau=0.5, scale_factor=0.5,
            smooth_radius=2)))
train_dataloader = dict(
    dataset=dict(pipeline={{_base_.shape_stream_train_pipeline}}))
tta_model = dict(type='ShapeStreamTTAModel')
# Image, ground truth, prediction and predicted edges side by side.
visualizer = dict(type='SideBySideSegVisualizer')
