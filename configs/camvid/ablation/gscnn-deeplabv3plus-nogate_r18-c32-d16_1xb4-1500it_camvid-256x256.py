# Ablation of Gated-SCNN on CamVid (configs/camvid/README.md): the full model
# (GSCNNSepASPPHead) with plain 1x1 convolutions instead of the gated ones in
# the shape stream (no side outputs of the backbone).
_base_ = ['../gscnn-deeplabv3plus_r18-c32-d16_1xb4-1500it_camvid-256x256.py']
model = dict(neck=dict(gated=False))
