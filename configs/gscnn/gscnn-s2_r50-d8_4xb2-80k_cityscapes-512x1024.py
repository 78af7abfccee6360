# gscnn_r50-d8_4xb2-80k_cityscapes-512x1024.py with the shape stream at half
# the input resolution (neck stride 2, 256x512 for a 512x1024 crop) instead
# of the paper's full resolution. The stream's residual blocks and gated
# convolutions then touch 4x fewer pixels: its forward+backward drops from
# 19.2 s to 4.4 s per batch of 2 on a 2-core CPU (docs/benchmarks.md), which
# brings the training step within 1.25x of DeepLabV3+. Edge predictions and
# the edge losses work at 1/2 resolution; the image gradients are max-pooled
# to it, so one-pixel edges survive.
_base_ = './gscnn_r50-d8_4xb2-80k_cityscapes-512x1024.py'
model = dict(neck=dict(stride=2))
