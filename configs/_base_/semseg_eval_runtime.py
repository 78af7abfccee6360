# The runtime of the converted hszhao/semseg PSPNets
# (configs/pspnet/pspnet_*-semseg_*.py): mmseg's default runtime with this
# package imported, validation and test loops, and nothing to train (no
# train loop, optimiser or schedule; the configs also set
# train_dataloader = None).
_base_ = ['mmseg::_base_/default_runtime.py']
custom_imports = dict(imports=['mmseg_ext'], allow_failed_imports=False)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
train_cfg = None
optim_wrapper = None
param_scheduler = None
