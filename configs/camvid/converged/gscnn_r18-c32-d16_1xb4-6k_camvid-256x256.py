# Gated-SCNN (GSCNNHead) on CamVid trained to convergence: the
# 1500-iteration config on
# the converged schedule (configs/camvid/README.md): up to 6000 iterations
# (4x), poly decay over all of them, validation every 500, stopped early
# once val mIoU has not improved for two validations in a row.
_base_ = ['../gscnn_r18-c32-d16_1xb4-1500it_camvid-256x256.py']
max_iters = 6000
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, begin=0, end=100, by_epoch=False),
    dict(
        type='PolyLR',
        eta_min=1e-5,
        power=0.9,
        begin=100,
        end=max_iters,
        by_epoch=False)
]
train_cfg = dict(max_iters=max_iters, val_interval=500)
custom_hooks = [
    dict(type='ModelDataCheckHook'),
    dict(type='NonFiniteLossHook', action='stop'),
    dict(type='IterationSeedHook'),
    dict(type='EarlyStoppingHook', monitor='mIoU', rule='greater', patience=2),
]
