# PSPNet (mmseg's PSPHead) on CamVid, on the shared CamVid model, data and
# schedule (configs/_base_/models/camvid_r18-c32-d16.py, README).
_base_ = ['../_base_/models/camvid_r18-c32-d16.py']
model = dict(
    decode_head=dict(
        type='PSPHead', channels=128, pool_scales=(1, 2, 3, 6)))
