# UPerNet (mmseg's UPerHead) on CamVid, on the shared CamVid model, data
# and schedule (configs/_base_/models/camvid_r18-c32-d16.py, README). With
# the shape stream: gscnn-upernet_r18-c32-d16_1xb4-1500it_camvid-256x256.py.
_base_ = ['../_base_/models/camvid_r18-c32-d16.py']
model = dict(
    decode_head=dict(
        type='UPerHead',
        in_channels={{_base_.stage_channels}},
        in_index=[0, 1, 2, 3],
        channels=64,
        pool_scales=(1, 2, 3, 6)))
