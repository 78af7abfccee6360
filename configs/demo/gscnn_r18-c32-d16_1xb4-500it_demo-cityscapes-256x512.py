# The README's demo (`make demo`): Gated-SCNN on the half-width
# ResNetV1c-18 of configs/gscnn/gscnn_r18-c32-d16_1xb4-1k_demo-cityscapes-
# 256x512.py, trained from scratch for 500 iterations (not 1000) so that it
# finishes in about 10 minutes on a 2-core CPU. docs/demo_results.md trains
# every head, this one included, for 1000 iterations.
_base_ = '../gscnn/gscnn_r18-c32-d16_1xb4-1k_demo-cityscapes-256x512.py'
max_iters = 500
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, begin=0, end=50, by_epoch=False),
    dict(
        type='PolyLR',
        eta_min=1e-5,
        power=0.9,
        begin=50,
        end=max_iters,
        by_epoch=False)
]
train_cfg = dict(max_iters=max_iters, val_interval=250)
default_hooks = dict(checkpoint=dict(interval=250))
