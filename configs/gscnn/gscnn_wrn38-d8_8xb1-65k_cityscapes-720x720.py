# Gated-SCNN as released (nv-tlabs/GSCNN): WiderResNet-38 A2 at output
# stride 8, the shape stream on mod1 gated by mod3 / mod4 / mod7 at full
# resolution, ASPP on mod7, fine features from mod2 (1/2), no auxiliary
# head. Resizes as released: align_corners=True everywhere except the final
# upsampling of the logits to the image (False), i.e. the head's
# align_corners=False (mmseg's final resize: predict, loss, post-processing)
# with inner_align_corners=True. Official checkpoints
# convert to this config with tools/model_converters/gscnn2mmseg.py.
# Recipe of the official train.py: 8 GPUs x 1 image, 720x720 crops, SGD
# lr 0.01, momentum 0.9, weight decay 1e-4, poly (power 1); 175 epochs of
# the 2975 training images at batch 8 = 65k iterations. There are no
# ImageNet WRN38 weights to start from here (GSCNN issue 41).
_base_ = './gscnn_r50-d8_4xb2-80k_cityscapes-512x1024.py'
crop_size = (720, 720)
norm_cfg = dict(type='SyncBN', requires_grad=True)
data_preprocessor = dict(size=crop_size)
model = dict(
    data_preprocessor=data_preprocessor,
    pretrained=None,
    backbone=dict(
        _delete_=True,
        type='WiderResNet',
        out_indices=(0, 1, 2, 3, 4, 5, 6),
        norm_cfg=norm_cfg),
    neck=dict(
        in_channels=[64, 128, 256, 512, 1024, 2048, 4096],
        stream_index=0,
        stream_in_channels=None,
        in_index=(2, 3, 6),
        channels=(32, 16, 8),
        stride=1,
        align_corners=True),
    decode_head=dict(
        in_channels=4096,
        in_index=6,
        fine_in_index=1,
        fine_in_channels=128,
        dropout_ratio=0.0,
        align_corners=False,
        inner_align_corners=True),
    auxiliary_head=None)
# The base's train pipeline, cropping 720x720.
train_pipeline = [
    dict(t, crop_size=crop_size) if t.type == 'RandomCrop' else t
    for t in _base_.train_pipeline
]
train_dataloader = dict(batch_size=1, dataset=dict(pipeline=train_pipeline))
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4))
param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=0,
        power=1.0,
        begin=0,
        end=65000,
        by_epoch=False)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=65000, val_interval=6500)
default_hooks = dict(checkpoint=dict(by_epoch=False, interval=6500))
