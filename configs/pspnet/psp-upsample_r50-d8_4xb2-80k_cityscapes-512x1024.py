# PSPUpsampleHead, ResNetV1c-50-D8, Cityscapes 512x1024 crops, 80k
# iterations at batch 8 (mmseg's PSPNet recipe: SGD lr 0.01, poly).
_base_ = [
    '../_base_/models/psp-upsample_r50-d8.py',
    'mmseg::_base_/datasets/cityscapes.py', '../_base_/mmseg_ext_runtime.py',
    '../_base_/schedules/schedule_80k.py'
]
data_preprocessor = dict(size={{_base_.crop_size}})
model = dict(data_preprocessor=data_preprocessor)
