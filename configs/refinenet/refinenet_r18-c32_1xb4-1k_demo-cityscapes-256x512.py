# RefineNet on a half-width ResNetV1c-18 (32 base channels) without
# dilation (output stride 32, 4 stages 1/4..1/32), trained from scratch on
# the embedded synthetic street scenes; sized for a CPU (see
# configs/demo/ for the pattern).
_base_ = [
    '../_base_/models/refinenet_r50-d32.py',
    '../_base_/demo_cityscapes_runtime.py'
]
model = dict(
    data_preprocessor=dict(size={{_base_.crop_size}}),
    pretrained=None,
    backbone=dict(depth=18, stem_channels=32, base_channels=32),
    decode_head=dict(in_channels=[32, 64, 128, 256], channels=32))
