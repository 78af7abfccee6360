# mmseg's Cityscapes (512x1024 crops) with the semantic-boundary targets of
# the shape stream's edge loss in the train pipeline (after the geometric
# transforms, 2 px each side as in the official code).
_base_ = ['mmseg::_base_/datasets/cityscapes.py']
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(
        type='RandomResize',
        scale=(2048, 1024),
        ratio_range=(0.5, 2.0),
        keep_ratio=True),
    dict(
        type='RandomCrop',
        crop_size={{_base_.crop_size}},
        cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='GenerateSegBoundary', radius=2),
    dict(type='PackSegInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
