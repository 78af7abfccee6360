# ADE20K (SceneParsing, ADEChallengeData2016) with its 150 classes merged
# into 25, after Nikronic/ObjectNet (data/object25_info.csv and
# data/mapped_25info.txt: 25 kept classes absorbing 55 others). The other
# 70 classes become 255 (ignored). The label maps are remapped by
# RemapLabels right after LoadAnnotations (reduce_zero_label: ids 0..149).
#
# Merge table: new id -> [ADE20K-150 ids, 0-based, after reduce_zero_label];
# the first id names the class (see ADE20K25Dataset). Same pairs as the
# published files, except the road row: they list ADE ids 11, 52, 54
# (1-based: cabinet, grandstand, stairs), which collides with cabinet and
# stairs being kept classes themselves; the spreadsheet the table came from
# (object25_info.xlsx, first sheet) has 12, 53, 55 (sidewalk, path,
# runway), used here. Also as published, and kept: windowpane -> plant,
# stage -> curtain, pier -> sea, plate -> signboard.
ade20k_25_merge = [
    [0, 42],  # wall <- column
    [1, 25, 48, 84],  # building <- house, skyscraper, tower
    [2],  # sky
    [3],  # floor
    [4, 72],  # tree <- palm
    [5],  # ceiling
    [6, 11, 52, 54],  # road <- sidewalk, path, runway
    [7, 57],  # bed <- pillow
    [10, 44, 35],  # cabinet <- chest of drawers, wardrobe
    [12],  # person
    [13, 29, 46],  # earth <- field, sand
    [14, 58],  # door <- screen door
    # table <- chair, armchair, desk, counter, pool table, coffee table,
    # bench, countertop, swivel chair, buffet, stool
    [15, 19, 30, 33, 45, 56, 64, 69, 70, 75, 99, 110],
    [16, 34, 68],  # mountain <- rock, hill
    [17, 8, 66],  # plant <- windowpane, flower
    [18, 101],  # curtain <- stage
    [20, 80, 83, 90, 102, 116, 127],  # car <- bus, truck, airplane, van,
    # minibike, bicycle
    [23],  # sofa
    [24],  # shelf
    [26, 21, 60, 109, 128, 140],  # sea <- water, river, swimming pool,
    # lake, pier
    [36, 82, 87],  # lamp <- light, streetlight
    [43, 100, 123, 142, 144],  # signboard <- poster, trade name, plate,
    # bulletin board
    [53, 59, 96, 121],  # stairs <- stairway, escalator, step
    [65, 37],  # toilet <- bathtub
    [74, 78, 89, 141, 143],  # computer <- arcade machine, television,
    # crt screen, monitor
]
ade20k_150_to_25 = {ade_id: 255 for ade_id in range(150)}
ade20k_150_to_25.update({
    ade_id: new_id
    for new_id, ade_ids in enumerate(ade20k_25_merge)
    for ade_id in ade_ids
})
remap_labels = dict(
    type='RemapLabels',
    table=ade20k_150_to_25,
    num_classes=25,
    num_source_classes=150,
    unknown='error')

dataset_type = 'ADE20K25Dataset'
data_root = 'data/ade/ADEChallengeData2016'
crop_size = (512, 512)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', reduce_zero_label=True), remap_labels,
    dict(
        type='RandomResize',
        scale=(2048, 512),
        ratio_range=(0.5, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(2048, 512), keep_ratio=True),
    dict(type='LoadAnnotations', reduce_zero_label=True), remap_labels,
    dict(type='PackSegInputs')
]
img_ratios = [0.5, 0.75, 1.0, 1.25, 1.5, 1.75]
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
            ],
            [dict(type='LoadAnnotations', reduce_zero_label=True)],
            [remap_labels],
            [dict(type='PackSegInputs')],
        ])
]
train_dataloader = dict(
    batch_size=4,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(
            img_path='images/training', seg_map_path='annotations/training'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(
            img_path='images/validation',
            seg_map_path='annotations/validation'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
