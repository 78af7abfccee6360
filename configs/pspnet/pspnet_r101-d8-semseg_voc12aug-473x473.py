# hszhao/semseg's PSPNet-101 VOC 2012 weights (see the R-50 config).
_base_ = './pspnet_r50-d8-semseg_voc12aug-473x473.py'
model = dict(backbone=dict(depth=101))
