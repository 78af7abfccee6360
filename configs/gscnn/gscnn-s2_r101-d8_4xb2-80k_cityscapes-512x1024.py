# The R-101 version of gscnn-s2_r50-d8_4xb2-80k_cityscapes-512x1024.py: the
# shape stream at half the input resolution (see that file).
_base_ = './gscnn_r101-d8_4xb2-80k_cityscapes-512x1024.py'
model = dict(neck=dict(stride=2))
