# The layout of the official PyTorch RefineNet-101 (DrSleep/refinenet-
# pytorch): torchvision-style ResNet ("r101b", 7x7 stem) with ImageNet
# weights from torchvision, align_corners=True resizing. Checkpoints
# converted by tools/model_converters/refinenet2mmseg.py load into it.
_base_ = [
    '../_base_/models/refinenet_r50-d32.py',
    'mmseg::_base_/datasets/pascal_voc12_aug.py',
    '../_base_/mmseg_ext_runtime.py', '../_base_/schedules/schedule_40k.py'
]
data_preprocessor = dict(size={{_base_.crop_size}})
model = dict(
    data_preprocessor=data_preprocessor,
    pretrained='torchvision://resnet101',
    backbone=dict(type='ResNet', depth=101),
    decode_head=dict(num_classes=21, align_corners=True))
# The paper trains the backbone at 0.1x the decoder's learning rate.
optim_wrapper = dict(
    paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=0.1)}))
