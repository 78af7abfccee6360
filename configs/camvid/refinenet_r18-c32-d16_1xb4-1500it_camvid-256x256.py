# RefineNet (RefineNetHead: multi-path refinement of all four stages) on
# CamVid, on the shared CamVid model, data and schedule (configs/_base_/
# models/camvid_r18-c32-d16.py; output stride 16, so stage 4 reaches the
# head at 1/16), without an auxiliary head, as the paper.
_base_ = ['../_base_/models/camvid_r18-c32-d16.py']
# From scratch the head needs batch-norm (the base's). Without it (the
# paper's head, made for ImageNet-initialised backbones) the run of this
# config died in warm-up: the fused maps went negative everywhere, so the
# chained residual pooling's ReLU gave 0 and the head never recovered (test
# mIoU 3.1; docs/camvid_results.md).
model = dict(
    decode_head=dict(
        type='RefineNetHead',
        in_channels={{_base_.stage_channels}},
        in_index=[0, 1, 2, 3],
        channels=32,
        num_adapt_rcus=2,
        num_output_rcus=3,
        crp_num_blocks=4,
        crp_order='pool_conv',
        dropout_ratio=0.5),
    auxiliary_head=None)
