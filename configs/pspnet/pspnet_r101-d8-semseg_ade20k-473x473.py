# hszhao/semseg's PSPNet-101 ADE20K weights (see the R-50 config).
_base_ = './pspnet_r50-d8-semseg_ade20k-473x473.py'
model = dict(backbone=dict(depth=101))
