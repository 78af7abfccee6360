# FCN (mmseg's FCNHead, unchanged) with the Gated-SCNN shape stream on
# CamVid: the boundary map fused at the head's input, the four losses
# (configs/gscnn/README.md). Its no-stream twin:
# fcn_r18-c32-d16_1xb4-1500it_camvid-256x256.py.
_base_ = ['../_base_/models/camvid_r18-c32-d16_shape-stream.py']
model = dict(
    decode_head=dict(
        type='FCNHead', channels=128, num_convs=1, concat_input=True))
