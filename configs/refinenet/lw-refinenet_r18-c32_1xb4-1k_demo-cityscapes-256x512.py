# Light-Weight RefineNet on the backbone, widths, data, schedule and seed of
# refinenet_r18-c32_1xb4-1k_demo-cityscapes-256x512.py (half-width
# ResNetV1c-18 without dilation, 32-channel paths): the block designs
# compared at equal width.
_base_ = [
    '../_base_/models/lw-refinenet_r50-d32.py',
    '../_base_/demo_cityscapes_runtime.py'
]
model = dict(
    data_preprocessor=dict(size={{_base_.crop_size}}),
    pretrained=None,
    backbone=dict(depth=18, stem_channels=32, base_channels=32),
    decode_head=dict(in_channels=[32, 64, 128, 256], channels=32))
