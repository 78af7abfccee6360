# Gated-SCNN (GSCNNHead + GatedShapeStream) on CamVid, on the shared CamVid
# model with the shape stream (configs/_base_/models/, README).
_base_ = ['../_base_/models/camvid_r18-c32-d16_shape-stream.py']
model = dict(
    decode_head=dict(
        type='GSCNNHead',
        channels=64,
        # ASPP rates for output stride 16 (16x16 crops, 23x30 frames).
        dilations=(1, 3, 6, 9),
        fine_in_index=0,
        fine_in_channels={{_base_.backbone_width}},
        fine_channels=24,
        num_convs=2))
