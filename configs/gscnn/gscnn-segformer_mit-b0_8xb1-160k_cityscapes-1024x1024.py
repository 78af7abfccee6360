# mmseg's SegFormer MiT-B0 (segformer_mit-b0_8xb1-160k_cityscapes-1024x1024
# .py: the same model, data and schedule) with the Gated-SCNN shape stream
# added by config: SegformerHead unchanged, the boundary map fused at its
# four inputs, the four Gated-SCNN losses (README, "Adding the shape
# stream").
_base_ = [
    'mmseg::segformer/segformer_mit-b0_8xb1-160k_cityscapes-1024x1024.py'  # noqa
]
custom_imports = dict(imports=['mmseg_ext'], allow_failed_imports=False)
crop_size = (1024, 1024)
model = dict(
    type='ShapeStreamEncoderDecoder',
    neck=dict(
        type='GatedShapeStream',
        in_channels=[32, 64, 160, 256],
        stream_in_channels=32,
        stride=2,
        norm_cfg=dict(type='SyncBN', requires_grad=True)))
train_dataloader = dict(
    dataset=dict(pipeline=[
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
    ]))
tta_model = dict(type='ShapeStreamTTAModel')
# The safety hooks and atomic checkpoints that the other configs here get
# from their runtime base (docs/architecture.md, "Safety hooks")
custom_hooks = [
    dict(type='ModelDataCheckHook'),
    dict(type='NonFiniteLossHook', action='stop'),
    dict(type='IterationSeedHook'),
]
default_hooks = dict(checkpoint=dict(type='AtomicCheckpointHook'))
visualizer = dict(
    type='SideBySideSegVisualizer',
    vis_backends=[dict(type='LocalVisBackend')],
    name='visualizer')
