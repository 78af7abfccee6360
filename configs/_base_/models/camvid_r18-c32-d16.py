# The model, data, runtime and schedule every configs/camvid/ config shares
# (configs/camvid/README.md): a half-width ResNetV1c-18 (32 stem and base
# channels, output stride 16) trained from scratch, mmseg's FCN auxiliary
# head on stage 3, and the classes of the CamVid dataset base. A config of
# configs/camvid/ adds its decode head (type and head options); the fields
# below are the defaults of every head.
_base_ = [
    'mmseg::_base_/models/fcn_r50-d8.py',
    '../mmseg_ext_runtime.py',
    '../datasets/camvid.py',
    '../schedules/schedule_camvid.py',
]
# With GPUs and ImageNet weights, change this one line to
# `backbone_width, backbone_weights = 64, 'open-mmlab://resnet18_v1c'`.
backbone_width, backbone_weights = 32, None
# Channels of the four backbone stages (heads that read several stages).
stage_channels = [backbone_width * 2**i for i in range(4)]
num_classes = {{_base_.num_classes}}
norm_cfg = dict(type='BN', requires_grad=True)
data_preprocessor = dict(size={{_base_.crop_size}})
# mmseg's FCN model (ResNetV1c, FCN auxiliary head on stage 3) narrowed to
# the half-width ResNetV1c-18; its decode head replaced by the defaults.
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
        _delete_=True,
        in_channels=stage_channels[3],
        in_index=3,
        dropout_ratio=0.1,
        num_classes=num_classes,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    auxiliary_head=dict(
        in_channels=stage_channels[2],
        channels=64,
        num_classes=num_classes,
        norm_cfg=norm_cfg))
randomness = dict(seed=0)
