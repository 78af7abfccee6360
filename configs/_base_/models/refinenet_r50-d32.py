# RefineNet (Lin et al., CVPR 2017) on ResNetV1c-50 without dilation
# (output stride 32, r50.py): the 4-cascade refines stages 1/32 -> 1/4.
_base_ = ['./r50.py']
model = dict(
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
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)))
