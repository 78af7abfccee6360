# Gated-SCNN on DeepLabV3+ (GSCNNSepASPPHead: mmseg's separable ASPP and
# decoder with the shape-stream fusion) on CamVid. Its exact no-stream twin
# is deeplabv3plus_r18-c32-d16_1xb4-1500it_camvid-256x256.py (same ASPP,
# decoder and widths; README).
_base_ = ['../_base_/models/camvid_r18-c32-d16_shape-stream.py']
model = dict(
    decode_head=dict(
        type='GSCNNSepASPPHead',
        channels=64,
        dilations=(1, 3, 6, 9),
        c1_in_channels={{_base_.backbone_width}},
        c1_channels=24))
