_base_ = './lw-refinenet_r50b-d32_4xb4-40k_voc12aug-512x512.py'
model = dict(pretrained='torchvision://resnet101', backbone=dict(depth=101))
