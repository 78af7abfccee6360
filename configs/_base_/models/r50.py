# The ResNetV1c-50 encoder-decoder that the model bases of this package
# share, with mmseg's settings (SyncBN, ImageNet mean/std, open-mmlab
# weights), without dilation (output stride 32). A model base adds its decode
# head, and dilation where it wants it (r50-d8_fcn-aux.py).
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
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
