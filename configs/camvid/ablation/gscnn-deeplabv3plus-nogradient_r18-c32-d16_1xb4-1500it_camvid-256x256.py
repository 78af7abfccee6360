# Ablation of Gated-SCNN on CamVid (configs/camvid/README.md): the full model
# (GSCNNSepASPPHead) without the image gradient (Canny) channel: the fused
# boundary map comes from the shape stream alone.
_base_ = ['../gscnn-deeplabv3plus_r18-c32-d16_1xb4-1500it_camvid-256x256.py']
model = dict(neck=dict(use_image_gradient=False))
