# Light-Weight RefineNet on the backbone, widths, data, schedule and seed of
# refinenet_r18-c32_1xb4-1k_demo-cityscapes-256x512.py (half-width
# ResNetV1c-18 without dilation, 32-channel paths): the block designs
# compared at equal width.
_base_ = [
    '../_base_/models/lw-refinenet_r50-d32.py',
    '../_base_/mmseg_ext_runtime.py',
    '../_base_/datasets/demo_cityscapes.py',
    '../_base_/schedules/schedule_demo.py',
]
crop_size = (256, 256)
model = dict(
    data_preprocessor=dict(size=crop_size),
    # Offline machines cannot download ImageNet weights: random init.
    pretrained=None,
    backbone=dict(depth=18, stem_channels=32, base_channels=32),
    decode_head=dict(in_channels=[32, 64, 128, 256], channels=32))
default_hooks = dict(
    visualization=dict(type='SegVisualizationHook', draw=True, interval=12))
randomness = dict(seed=0)
