# PSPUpsampleHead, ResNetV1c-50-D8, PASCAL VOC 2012 + SBD (train_aug)
# 512x512 crops, 40k iterations at batch 16 (mmseg's PSPNet recipe).
_base_ = [
    '../_base_/models/psp-upsample_r50-d8.py',
    'mmseg::_base_/datasets/pascal_voc12_aug.py',
    '../_base_/mmseg_ext_runtime.py', '../_base_/schedules/schedule_40k.py'
]
data_preprocessor = dict(size={{_base_.crop_size}})
model = dict(
    data_preprocessor=data_preprocessor,
    decode_head=dict(num_classes=21),
    auxiliary_head=dict(num_classes=21))
