# SegFormer (mmseg's MiT-B0 backbone and SegformerHead) on CamVid from
# scratch, on the shared CamVid data and schedule; MiT-B0 replaces
# the shared ResNet backbone and, as in mmseg's SegFormer, there is no
# auxiliary head. With the shape stream:
# gscnn-segformer_mit-b0_1xb4-1500it_camvid-256x256.py.
_base_ = ['../_base_/models/camvid_r18-c32-d16.py']
# Channels of the four MiT-B0 stages.
stage_channels = [32, 64, 160, 256]
model = dict(
    backbone=dict(
        _delete_=True,
        type='MixVisionTransformer',
        embed_dims=32,
        num_layers=[2, 2, 2, 2],
        num_heads=[1, 2, 5, 8],
        drop_path_rate=0.1),
    decode_head=dict(
        type='SegformerHead',
        in_channels=stage_channels,
        in_index=[0, 1, 2, 3],
        channels=128),
    auxiliary_head=None)
