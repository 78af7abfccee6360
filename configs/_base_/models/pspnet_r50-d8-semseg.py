# The hszhao/semseg PSPNet-50 (Zhao et al., CVPR 2017) as an mmseg model,
# the target of tools/model_converters/semseg2mmseg.py. It differs from
# mmseg's pspnet_r50-d8 exactly where the official network does:
# * deep stem 3->64->64->128 (stem_channels=128; mmseg's V1c: 3->32->32->64);
# * layer3 / layer4 dilate every block by 2 / 4, the first one included
#   (contract_dilation=False);
# * the PPM's bins (1, 2, 3, 6) and the final logits are upsampled with
#   align_corners=True;
# * the auxiliary classifier on layer3 is a 3x3 conv (1024->256), BN, ReLU,
#   Dropout2d(0.1), 1x1 conv, weighted 0.4 in training.
# Unchanged, but worth knowing: BatchNorm eps 1e-5 / momentum 0.1 (PyTorch
# defaults in both), and the input normalisation: semseg subtracts
# 255 * (0.485, 0.456, 0.406) and divides by 255 * (0.229, 0.224, 0.225) on
# RGB images, which is mmseg's standard mean/std with bgr_to_rgb=True.
norm_cfg = dict(type='SyncBN', requires_grad=True)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    # The converted checkpoint holds every weight: load it with
    # `tools/test.py CONFIG CHECKPOINT` (or load_from); nothing to download.
    pretrained=None,
    backbone=dict(
        type='ResNetV1c',
        depth=50,
        stem_channels=128,
        base_channels=64,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        dilations=(1, 1, 2, 4),
        strides=(1, 2, 1, 1),
        norm_cfg=norm_cfg,
        norm_eval=False,
        style='pytorch',
        contract_dilation=False),
    decode_head=dict(
        type='PSPHead',
        in_channels=2048,
        in_index=3,
        channels=512,
        pool_scales=(1, 2, 3, 6),
        dropout_ratio=0.1,
        num_classes=19,
        norm_cfg=norm_cfg,
        align_corners=True,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    auxiliary_head=dict(
        type='FCNHead',
        in_channels=1024,
        in_index=2,
        channels=256,
        num_convs=1,
        concat_input=False,
        dropout_ratio=0.1,
        num_classes=19,
        norm_cfg=norm_cfg,
        align_corners=True,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=0.4)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
