# The CamVid from-scratch CPU schedule (configs/camvid/README.md): the demo
# schedule's AdamW, hooks and loops, with linear warm-up then poly decay
# over 1500 iterations, validation on `val` every 500 iterations and the
# best-mIoU checkpoint kept for the test split.
_base_ = ['./schedule_demo.py']
max_iters = 1500
# The demo schedule's warm-up and poly decay, stretched over max_iters.
param_scheduler = [
    dict(_base_.param_scheduler[0], end=100),
    dict(_base_.param_scheduler[1], begin=100, end=max_iters)
]
train_cfg = dict(max_iters=max_iters, val_interval=500)
