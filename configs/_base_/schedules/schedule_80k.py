# mmseg's 80k-iteration schedule (SGD, poly decay, checkpoints every
# 8000 iterations) with checkpoints written atomically: a job
# killed while saving never leaves a truncated iter_*.pth. To get mmseg's
# plain hook back: default_hooks = dict(checkpoint=dict(type='CheckpointHook'))
_base_ = ['mmseg::_base_/schedules/schedule_80k.py']
default_hooks = dict(checkpoint=dict(type='AtomicCheckpointHook'))
