# FCN on a half-width ResNetV1c-18 (32 base channels), output stride 16,
# trained from scratch on the embedded synthetic street scenes. Sized to
# train in a few minutes on a 2-core CPU; the README's demo command.
_base_ = [
    'mmseg::_base_/models/fcn_r50-d8.py',
    '../_base_/demo_cityscapes_runtime.py'
]
model = dict(
    data_preprocessor=dict(size={{_base_.crop_size}}),
    pretrained=None,
    backbone=dict(
        depth=18,
        stem_channels=32,
        base_channels=32,
        strides=(1, 2, 2, 1),
        dilations=(1, 1, 1, 2)),
    decode_head=dict(in_channels=256, channels=128, num_convs=1),
    auxiliary_head=dict(in_channels=128, channels=64))
