# RefineNet (Lin et al., CVPR 2017) on ResNetV1c-50 without dilation
# (output stride 32): the 4-cascade refines stages 1/32 -> 1/4.
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
    pretrained='open-mmlab://resnet50_v1c',
    backbone=dict(
        type='ResNetV1c',
        depth=50,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        dilations=(1, 1, 1, 1),
        strides=(1, 2, 2, 2),
        norm_cfg=norm_cfg,
        norm_eval=False,
        style='pytorch',
        contract_dilation=True),
    decode_head=dict(
        type='RefineNetHead',
        in_channels=[256, 512, 1024, 2048],
        in_index=[0, 1, 2, 3],
        # 256 channels on the 1/16..1/4 paths, block_channels=None gives
        # 2 * 256 = 512 on the 1/32 path (paper).
        channels=256,
        num_adapt_rcus=2,
        num_output_rcus=3,
        crp_num_blocks=4,
        crp_order='pool_conv',
        dropout_ratio=0.5,
        num_classes=19,
        # The paper's decoder has no normalisation layers.
        norm_cfg=None,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    # model training and testing settings
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
