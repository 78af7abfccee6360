# mmseg's default runtime plus this package's safety hooks. Every training
# config of the package inherits it (with ../_base_/schedules/schedule_*.py,
# whose checkpoints are written atomically); see docs/architecture.md.
# Each hook costs one check before training or a few scalar operations per
# iteration. To drop them in a derived config: custom_hooks = []
_base_ = ['mmseg::_base_/default_runtime.py']
custom_imports = dict(imports=['mmseg_ext'], allow_failed_imports=False)
custom_hooks = [
    # in_channels vs backbone outputs, num_classes vs dataset classes.
    dict(type='ModelDataCheckHook'),
    # Stop before the update on a NaN/Inf loss, naming term, iter, images.
    dict(type='NonFiniteLossHook', action='stop'),
    # Dropout/Gumbel noise depend on (seed, iteration): exact resumes.
    dict(type='IterationSeedHook'),
]
