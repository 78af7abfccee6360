# Light-Weight RefineNet (LightWeightRefineNetHead: chained residual pooling
# fusion of all four stages) on CamVid: the RefineNet config with the
# light-weight head (1x1 convolutions, no RCUs, no dropout) and, as the
# paper, no batch-norm in the head.
_base_ = ['./refinenet_r18-c32-d16_1xb4-1500it_camvid-256x256.py']
model = dict(
    decode_head=dict(
        type='LightWeightRefineNetHead',
        num_adapt_rcus=0,
        num_output_rcus=0,
        conv_kernel_size=1,
        dropout_ratio=0.,
        norm_cfg=None))
