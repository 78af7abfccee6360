_base_ = [
    '../_base_/models/gscnn_r50-d8.py',
    'mmseg::_base_/datasets/cityscapes.py',
    '../_base_/mmseg_ext_shape_stream_runtime.py',
    '../_base_/schedules/schedule_80k.py'
]
custom_imports = dict(imports=['mmseg_ext'], allow_failed_imports=False)
crop_size = (512, 1024)
data_preprocessor = dict(size=crop_size)
model = dict(data_preprocessor=data_preprocessor)
# mmseg's Cityscapes pipeline plus the semantic-boundary targets of the
# edge loss (after the geometric transforms, 2 px each side as official).
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(
        type='RandomResize',
        scale=(2048, 1024),
        ratio_range=(0.5, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='GenerateSegBoundary', radius=2),
    dict(type='PackSegInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
# Flip/multi-scale TTA that also averages the edge maps.
tta_model = dict(type='ShapeStreamTTAModel')
