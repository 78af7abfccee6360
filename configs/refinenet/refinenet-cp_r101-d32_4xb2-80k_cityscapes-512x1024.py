# RefineNet-101 on Cityscapes with gradient checkpointing of every decoder
# unit (with_cp=True): less training memory for a few % more step time
# (docs/benchmarks.md, the `refinenet` target). Same model and weights.
_base_ = './refinenet_r101-d32_4xb2-80k_cityscapes-512x1024.py'
model = dict(decode_head=dict(with_cp=True))
