# The R-101 version of gscnn-deeplabv3plus_r50-d8_4xb2-80k_cityscapes-
# 512x1024.py: mmseg's deeplabv3plus_r101-d8_4xb2-80k_cityscapes-512x1024.py
# plus the shape stream (GSCNNSepASPPHead), nothing else changed.
_base_ = './gscnn-deeplabv3plus_r50-d8_4xb2-80k_cityscapes-512x1024.py'
model = dict(pretrained='open-mmlab://resnet101_v1c', backbone=dict(depth=101))
