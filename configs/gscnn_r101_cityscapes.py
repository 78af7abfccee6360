# Gated-SCNN, ResNetV1c-101 (output stride 8), Cityscapes 512x1024 crops,
# 80k iterations on 4 GPUs x 2 images. The entry point of the README:
#   python tools/train.py configs/gscnn_r101_cityscapes.py
# The full family lives in configs/gscnn/ (see its README.md).
_base_ = ['./gscnn/gscnn_r101-d8_4xb2-80k_cityscapes-512x1024.py']
