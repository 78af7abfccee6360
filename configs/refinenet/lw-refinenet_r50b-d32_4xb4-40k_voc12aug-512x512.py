# The layout of the official Light-Weight RefineNet-50 (DrSleep/light-
# weight-refinenet): torchvision-style ResNet ("r50b", 7x7 stem) with
# ImageNet weights from torchvision, align_corners=True resizing.
# Checkpoints converted by tools/model_converters/lwrefinenet2mmseg.py load
# into it (and into the r101b config).
_base_ = [
    '../_base_/models/lw-refinenet_r50-d32.py',
    'mmseg::_base_/datasets/pascal_voc12_aug.py',
    '../_base_/mmseg_ext_runtime.py', '../_base_/schedules/schedule_40k.py'
]
data_preprocessor = dict(size={{_base_.crop_size}})
model = dict(
    data_preprocessor=data_preprocessor,
    pretrained='torchvision://resnet50',
    backbone=dict(type='ResNet'),
    decode_head=dict(num_classes=21, align_corners=True))
# The official training uses a 10x lower learning rate for the encoder.
optim_wrapper = dict(
    paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=0.1)}))
