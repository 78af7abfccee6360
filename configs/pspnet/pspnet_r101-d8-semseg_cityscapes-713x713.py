# hszhao/semseg's PSPNet-101 Cityscapes weights (see the R-50 config).
_base_ = './pspnet_r50-d8-semseg_cityscapes-713x713.py'
model = dict(backbone=dict(depth=101))
