# Gated-SCNN on DeepLabV3+ (GSCNNSepASPPHead) on CamVid trained to
# convergence: the 1500-iteration config on
# the converged schedule (configs/camvid/README.md): up to 6000 iterations
# (4x), poly decay over all of them, validation every 500, stopped early
# once val mIoU has not improved for two validations in a row.
_base_ = ['../gscnn-deeplabv3plus_r18-c32-d16_1xb4-1500it_camvid-256x256.py']
max_iters = 6000
# The 1500-iteration schedule's poly decay over max_iters, early stopping.
param_scheduler = _base_.param_scheduler[:1] + [
    dict(_base_.param_scheduler[1], end=max_iters)
]
train_cfg = dict(max_iters=max_iters)
custom_hooks = _base_.custom_hooks + [
    dict(type='EarlyStoppingHook', monitor='mIoU', rule='greater', patience=2)
]
