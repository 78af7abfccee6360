# CamVid, SegNet split: 367 train / 101 val / 233 test frames of 360x480,
# 11 classes, 255 ignore. Prepare it with
#   python tools/dataset_converters/camvid.py SRC data/camvid
# (SRC: the SegNet copy or the original 32-class colour release; see
# configs/camvid/README.md).
dataset_type = 'CamVidDataset'
data_root = 'data/camvid'
num_classes = 11
# Random 256x256 crops of frames rescaled by 0.75-1.5 (configs/camvid/).
crop_size = (256, 256)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadCheckedAnnotations'),
    dict(type='CheckSegMap', num_classes=num_classes),
    dict(
        type='RandomResize',
        scale=(480, 360),
        ratio_range=(0.75, 1.5),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs')
]
# Shape-stream models (Gated-SCNN) also need the boundary target: use this
# pipeline for them (`train_dataloader = dict(dataset=dict(pipeline=
# shape_stream_train_pipeline))`).
shape_stream_train_pipeline = train_pipeline[:-1] + [
    dict(type='GenerateSegBoundary', radius=2),
    dict(type='PackSegInputs')
]
# The frames are already 360x480: no resize at test time, metrics on the
# original label maps.
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadCheckedAnnotations'),
    dict(type='CheckSegMap', num_classes=num_classes),
    dict(type='PackSegInputs')
]
img_ratios = [0.75, 1.0, 1.25, 1.5]
tta_pipeline = [
    dict(type='LoadImageFromFile', backend_args=None),
    dict(
        type='TestTimeAug',
        transforms=[
            [
                dict(type='Resize', scale_factor=r, keep_ratio=True)
                for r in img_ratios
            ],
            [
                dict(type='RandomFlip', prob=0., direction='horizontal'),
                dict(type='RandomFlip', prob=1., direction='horizontal')
            ], [dict(type='LoadAnnotations')], [dict(type='PackSegInputs')]
        ])
]
train_dataloader = dict(
    batch_size=4,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(
            img_path='img_dir/train', seg_map_path='ann_dir/train'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='img_dir/val', seg_map_path='ann_dir/val'),
        pipeline=test_pipeline))
# The val loader on the test split.
test_dataloader = dict(
    val_dataloader,
    dataset=dict(
        val_dataloader['dataset'],
        data_prefix=dict(img_path='img_dir/test',
                         seg_map_path='ann_dir/test')))
# Region and boundary quality (docs/metrics.md). 360x480 has a 600 px
# diagonal: boundary tolerances are fixed radii of 1, 2, 3 and 5 px, in
# both protocols: `BF@<t>px` pools boundary counts over the set (this
# package's default), `gscnn/BF@<t>px` is Gated-SCNN's official protocol
# (per-image F, then the class mean), comparable with the paper's tables.
# Boundary IoU's band is the paper's 2% of the diagonal (12 px).
val_evaluator = [
    dict(type='IoUMetric', iou_metrics=['mIoU']),
    dict(
        type='BoundaryFScore', tolerances=(1, 2, 3, 5),
        tolerance_unit='pixel'),
    dict(
        type='BoundaryFScore',
        tolerances=(1, 2, 3, 5),
        tolerance_unit='pixel',
        protocol='gscnn'),
    dict(type='BoundaryIoU'),
]
test_evaluator = val_evaluator
