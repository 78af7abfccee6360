# mmseg's UPerNet R-50 (upernet_r50_4xb2-80k_cityscapes-512x1024.py: the
# same model, data and schedule) with the Gated-SCNN shape stream added by
# config: UPerHead unchanged, the boundary map fused at its four inputs,
# the four Gated-SCNN losses (README, "Adding the shape stream").
_base_ = [
    'mmseg::_base_/models/upernet_r50.py',
    '../_base_/datasets/cityscapes_shape_stream.py',
    '../_base_/mmseg_ext_shape_stream_runtime.py',
    '../_base_/schedules/schedule_80k.py'
]
model = dict(
    type='ShapeStreamEncoderDecoder',
    data_preprocessor=dict(size={{_base_.crop_size}}),
    neck=dict(
        type='GatedShapeStream',
        in_channels=[256, 512, 1024, 2048],
        stream_in_channels=64,
        # At half the input resolution: the full-resolution stream of the
        # paper costs most of the step's memory at 512x1024.
        stride=2,
        norm_cfg={{_base_.model.decode_head.norm_cfg}}))
tta_model = dict(type='ShapeStreamTTAModel')
