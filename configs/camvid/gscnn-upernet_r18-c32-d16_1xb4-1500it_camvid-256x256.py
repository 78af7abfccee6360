# UPerNet (mmseg's UPerHead, unchanged) with the Gated-SCNN shape stream on
# CamVid: the boundary map fused at the head's four inputs, the four losses
# (configs/gscnn/README.md). Its no-stream twin:
# upernet_r18-c32-d16_1xb4-1500it_camvid-256x256.py.
_base_ = ['../_base_/models/camvid_r18-c32-d16_shape-stream.py']
model = dict(
    decode_head=dict(
        type='UPerHead',
        in_channels={{_base_.stage_channels}},
        in_index=[0, 1, 2, 3],
        channels=64,
        pool_scales=(1, 2, 3, 6)))
