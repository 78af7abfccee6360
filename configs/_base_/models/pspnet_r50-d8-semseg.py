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
_base_ = ['./r50-d8_fcn-aux.py']
model = dict(
    # The converted checkpoint holds every weight: load it with
    # `tools/test.py CONFIG CHECKPOINT` (or load_from); nothing to download.
    pretrained=None,
    backbone=dict(
        stem_channels=128, base_channels=64, contract_dilation=False),
    decode_head=dict(
        type='PSPHead',
        in_channels=2048,
        in_index=3,
        channels=512,
        pool_scales=(1, 2, 3, 6),
        dropout_ratio=0.1,
        num_classes=19,
        norm_cfg=_base_.norm_cfg,
        align_corners=True,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    auxiliary_head=dict(align_corners=True))
