# SegFormer (MiT-B0, mmseg's SegformerHead unchanged) with the Gated-SCNN
# shape stream on CamVid: the plain SegFormer config plus the stream, the
# way configs/gscnn/README.md adds it to any mmseg model (settings of the
# shared CamVid shape-stream model, camvid_r18-c32-d16_shape-stream.py).
_base_ = ['./segformer_mit-b0_1xb4-1500it_camvid-256x256.py']
model = dict(
    type='ShapeStreamEncoderDecoder',
    neck=dict(
        type='GatedShapeStream',
        in_channels={{_base_.stage_channels}},
        stream_in_channels=16,
        channels=(16, 8, 4),
        stride=4,
        norm_cfg={{_base_.model.decode_head.norm_cfg}}),
    shape_stream_loss=dict(
        loss_dual=dict(
            type='DualTaskLoss', tau=0.5, scale_factor=0.5,
            smooth_radius=2)))
train_dataloader = dict(
    dataset=dict(pipeline={{_base_.shape_stream_train_pipeline}}))
tta_model = dict(type='ShapeStreamTTAModel')
visualizer = dict(type='SideBySideSegVisualizer')
