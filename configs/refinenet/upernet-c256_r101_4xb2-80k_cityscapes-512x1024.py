# mmseg's UPerNet R-101 with its head narrowed to 256 channels (mmseg: 512)
# and without the auxiliary FCN head: the equal-width baseline of
# refinenet_r101-d32_4xb2-80k_cityscapes-512x1024.py (256-channel paths, no
# auxiliary head) in tools/analysis/benchmark_targets.py. A benchmark
# baseline, not a training recipe.
_base_ = ['mmseg::upernet/upernet_r101_4xb2-80k_cityscapes-512x1024.py']
custom_imports = dict(imports=['mmseg_ext'], allow_failed_imports=False)
model = dict(decode_head=dict(channels=256), auxiliary_head=None)
