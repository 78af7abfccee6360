# The README's demo (`make demo`): Gated-SCNN on the half-width
# ResNetV1c-18 of configs/gscnn/gscnn_r18-c32-d16_1xb4-1k_demo-cityscapes-
# 256x512.py, trained from scratch for 500 iterations (not 1000) so that it
# finishes in about 10 minutes on a 2-core CPU. docs/demo_results.md trains
# every head, this one included, for 1000 iterations.
_base_ = '../gscnn/gscnn_r18-c32-d16_1xb4-1k_demo-cityscapes-256x512.py'
max_iters = 500
# The base's poly decay over max_iters; validation and checkpoints halfway.
param_scheduler = _base_.param_scheduler[:1] + [
    dict(_base_.param_scheduler[1], end=max_iters)
]
train_cfg = dict(max_iters=max_iters, val_interval=250)
default_hooks = dict(checkpoint=dict(interval=250))
