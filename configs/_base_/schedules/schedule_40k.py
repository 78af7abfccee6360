# mmseg's 40k-iteration schedule (SGD, poly decay, checkpoints every
# 4000 iterations) with checkpoints written atomically: a job
# killed while saving never leaves a truncated iter_*.pth. To get mmseg's
# plain hook back: default_hooks = dict(checkpoint=dict(type='CheckpointHook'))
_base_ = ['mmseg::_base_/schedules/schedule_40k.py']
default_hooks = dict(checkpoint=dict(type='AtomicCheckpointHook'))
