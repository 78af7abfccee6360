# What the demo configs share (configs/demo/, README): this package's
# runtime, the embedded synthetic street scenes, the short CPU schedule, a
# validation picture of every 12th image and a fixed seed. A demo config
# adds its model (random init: offline machines cannot download weights).
_base_ = [
    './mmseg_ext_runtime.py',
    './datasets/demo_cityscapes.py',
    './schedules/schedule_demo.py',
]
default_hooks = dict(
    visualization=dict(type='SegVisualizationHook', draw=True, interval=12))
randomness = dict(seed=0)
