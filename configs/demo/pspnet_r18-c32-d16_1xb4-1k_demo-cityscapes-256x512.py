# mmseg's PSPHead on the demo backbone of
# fcn_r18-c32-d16_1xb4-1k_demo-cityscapes-256x512.py (half-width
# ResNetV1c-18, output stride 16), same data and schedule: the PSPNet
# baseline of the CPU benchmark example in docs/benchmarks.md.
_base_ = [
    'mmseg::_base_/models/pspnet_r50-d8.py',
    '../_base_/mmseg_ext_runtime.py',
    '../_base_/datasets/demo_cityscapes.py',
    '../_base_/schedules/schedule_demo.py',
]
crop_size = (256, 256)
model = dict(
    data_preprocessor=dict(size=crop_size),
    # Offline machines cannot download ImageNet weights: random init.
    pretrained=None,
    backbone=dict(
        depth=18,
        stem_channels=32,
        base_channels=32,
        strides=(1, 2, 2, 1),
        dilations=(1, 1, 1, 2)),
    decode_head=dict(in_channels=256, channels=128),
    auxiliary_head=dict(in_channels=128, channels=64))
default_hooks = dict(
    visualization=dict(type='SegVisualizationHook', draw=True, interval=12))
randomness = dict(seed=0)
