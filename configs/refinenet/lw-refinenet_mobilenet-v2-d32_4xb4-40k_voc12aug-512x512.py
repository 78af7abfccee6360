# Light-Weight RefineNet on mmseg's MobileNetV2 (output stride 32). The
# head refines the 1/4, 1/8, 1/16 and 1/32 stages (24, 32, 96, 320
# channels) with 256 channels on every path and ReLU6, as the official
# LW-MobileNetV2; unlike it, one backbone stage enters each block (the
# official decoder also fuses the 64-channel 1/16 and 160-channel 1/32
# stages), so official MobileNetV2 checkpoints do not convert to it.
_base_ = './lw-refinenet_r50b-d32_4xb4-40k_voc12aug-512x512.py'
model = dict(
    pretrained='mmcls://mobilenet_v2',
    backbone=dict(
        _delete_=True,
        type='MobileNetV2',
        widen_factor=1.,
        strides=(1, 2, 2, 2, 1, 2, 1),
        dilations=(1, 1, 1, 1, 1, 1, 1),
        out_indices=(1, 2, 4, 6),
        norm_cfg=dict(type='SyncBN', requires_grad=True)),
    decode_head=dict(
        in_channels=[24, 32, 96, 320],
        channels=256,
        block_channels=[256, 256, 256, 256],
        act_cfg=dict(type='ReLU6')))
