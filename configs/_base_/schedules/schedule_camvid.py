# The CamVid from-scratch CPU schedule (configs/camvid/README.md): the demo
# schedule's AdamW, hooks and loops, with linear warm-up then poly decay
# over 1500 iterations, validation on `val` every 500 iterations and the
# best-mIoU checkpoint kept for the test split.
_base_ = ['./schedule_demo.py']
max_iters = 1500
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
