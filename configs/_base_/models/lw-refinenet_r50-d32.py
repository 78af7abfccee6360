# Light-Weight RefineNet (Nekrasov et al., BMVC 2018) on ResNetV1c-50
# without dilation (output stride 32): no RCUs, 1x1 convs, 4 x (5x5 pool ->
# 1x1 conv) CRPs, 3x3 classifier.
_base_ = './refinenet_r50-d32.py'
model = dict(
    decode_head=dict(
        type='LightWeightRefineNetHead',
        num_adapt_rcus=0,
        num_output_rcus=0,
        conv_kernel_size=1,
        dropout_ratio=0.))
