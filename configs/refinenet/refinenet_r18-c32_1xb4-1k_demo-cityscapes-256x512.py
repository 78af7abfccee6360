# RefineNet on a half-width ResNetV1c-18 (32 base channels) without
# dilation (output stride 32, 4 stages 1/4..1/32), trained from scratch on
# the embedded synthetic street scenes; sized for a CPU (see
# configs/demo/ for the pattern).
_base_ = [
    '../_base_/models/refinenet_r50-d32.py',
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
