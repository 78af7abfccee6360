# RefineNet (RefineNetHead: multi-path refinement of all four stages) on
# CamVid, from scratch on the shared half-width ResNetV1c-18 (output stride
# 16, so stage 4 reaches the head at 1/16) and schedule (README).
_base_ = [
    '../_base_/models/refinenet_r50-d32.py',
    '../_base_/mmseg_ext_runtime.py',
    '../_base_/datasets/camvid.py',
    '../_base_/schedules/schedule_camvid.py',
]
crop_size = (256, 256)
# Backbone: a half-width ResNetV1c-18 trained from scratch (README). With
# GPUs and ImageNet weights, change this one line to
# `backbone_width, backbone_weights = 64, 'open-mmlab://resnet18_v1c'`.
backbone_width, backbone_weights = 32, None
norm_cfg = dict(type='BN', requires_grad=True)
data_preprocessor = dict(size=crop_size)
model = dict(
    data_preprocessor=data_preprocessor,
    pretrained=backbone_weights,
    backbone=dict(
        depth=18,
        stem_channels=backbone_width,
        base_channels=backbone_width,
        strides=(1, 2, 2, 1),
        dilations=(1, 1, 1, 2),
        norm_cfg=norm_cfg),
    # From scratch the head needs batch-norm. Without it (the paper's head,
    # made for ImageNet-initialised backbones) the run of this config died
    # in warm-up: the fused maps went negative everywhere, so the chained
    # residual pooling's ReLU gave 0 and the head never recovered (test
    # mIoU 3.1; docs/camvid_results.md).
    decode_head=dict(
        in_channels=[backbone_width * 2**i for i in range(4)],
        channels=32,
        norm_cfg=dict(_delete_=True, **norm_cfg),  # base: None
        num_classes=11))
randomness = dict(seed=0)
