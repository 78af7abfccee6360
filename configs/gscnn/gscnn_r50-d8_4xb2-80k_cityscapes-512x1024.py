_base_ = [
    '../_base_/models/gscnn_r50-d8.py',
    '../_base_/datasets/cityscapes_shape_stream.py',
    '../_base_/mmseg_ext_shape_stream_runtime.py',
    '../_base_/schedules/schedule_80k.py'
]
data_preprocessor = dict(size={{_base_.crop_size}})
model = dict(data_preprocessor=data_preprocessor)
# Flip/multi-scale TTA that also averages the edge maps.
tta_model = dict(type='ShapeStreamTTAModel')
