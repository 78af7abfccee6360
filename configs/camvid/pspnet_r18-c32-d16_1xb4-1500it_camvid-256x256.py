# PSPNet (mmseg's PSPHead) on CamVid, from scratch on the shared half-width
# ResNetV1c-18 (output stride 16) and schedule (README).
_base_ = [
    'mmseg::_base_/models/pspnet_r50-d8.py',
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
    decode_head=dict(
        in_channels=8 * backbone_width,
        channels=128,
        num_classes=11,
        norm_cfg=norm_cfg),
    auxiliary_head=dict(
        in_channels=4 * backbone_width,
        channels=64,
        num_classes=11,
        norm_cfg=norm_cfg))
randomness = dict(seed=0)
