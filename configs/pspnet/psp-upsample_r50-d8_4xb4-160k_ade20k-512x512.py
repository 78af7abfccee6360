# PSPUpsampleHead, ResNetV1c-50-D8, ADE20K 512x512 crops, 160k iterations
# at batch 16 (mmseg's PSPNet recipe).
_base_ = [
    '../_base_/models/psp-upsample_r50-d8.py',
    'mmseg::_base_/datasets/ade20k.py', '../_base_/mmseg_ext_runtime.py',
    '../_base_/schedules/schedule_160k.py'
]
data_preprocessor = dict(size={{_base_.crop_size}})
model = dict(
    data_preprocessor=data_preprocessor,
    decode_head=dict(num_classes=150),
    auxiliary_head=dict(num_classes=150))
