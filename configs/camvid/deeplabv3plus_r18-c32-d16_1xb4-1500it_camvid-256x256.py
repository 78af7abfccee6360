# DeepLabV3+ (mmseg's DepthwiseSeparableASPPHead) on CamVid, on the shared
# CamVid model, data and schedule (configs/_base_/models/
# camvid_r18-c32-d16.py): the no-stream twin of
# gscnn-deeplabv3plus_r18-c32-d16_1xb4-1500it_camvid-256x256.py (same ASPP,
# decoder and widths, no shape stream, no boundary losses).
_base_ = ['../_base_/models/camvid_r18-c32-d16.py']
model = dict(
    decode_head=dict(
        type='DepthwiseSeparableASPPHead',
        channels=64,
        # ASPP rates for output stride 16 (16x16 crops, 23x30 frames).
        dilations=(1, 3, 6, 9),
        c1_in_channels={{_base_.backbone_width}},
        c1_channels=24))
