# FCN (mmseg's FCNHead) on CamVid, on the shared CamVid model, data and
# schedule (configs/_base_/models/camvid_r18-c32-d16.py, README).
_base_ = ['../_base_/models/camvid_r18-c32-d16.py']
model = dict(
    decode_head=dict(
        type='FCNHead', channels=128, num_convs=1, concat_input=True))
