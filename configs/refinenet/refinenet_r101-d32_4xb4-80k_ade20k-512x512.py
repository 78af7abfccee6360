_base_ = [
    '../_base_/models/refinenet_r50-d32.py',
    'mmseg::_base_/datasets/ade20k.py', '../_base_/mmseg_ext_runtime.py',
    '../_base_/schedules/schedule_80k.py'
]
data_preprocessor = dict(size={{_base_.crop_size}})
model = dict(
    data_preprocessor=data_preprocessor,
    pretrained='open-mmlab://resnet101_v1c',
    backbone=dict(depth=101),
    decode_head=dict(num_classes=150))
# The paper trains the backbone at 0.1x the decoder's learning rate.
optim_wrapper = dict(
    paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=0.1)}))
