# Evaluate hszhao/semseg's PSPNet-50 Cityscapes weights, converted with
# tools/model_converters/semseg2mmseg.py, the way semseg tests them:
# the 2048x1024 image (semseg's base_size 2048) in 713x713 sliding windows
# at 2/3 stride (ceil(713 * 2 / 3) = 476). semseg's "ss" numbers also
# average a horizontal flip: run `tools/test.py CONFIG CKPT --tta` for
# that (tta_pipeline below: scale 1.0, flip, softmax averaging); without
# --tta no flip is used. For semseg's "ms", set
# img_ratios = [0.5, 0.75, 1.0, 1.25, 1.5, 1.75] in a derived config.
# Evaluation only: train_dataloader / schedule are None.
# Remaining differences to semseg's tool/test.py: it pads windows smaller
# than the crop centrally with the mean colour (here: bottom/right, also the
# mean colour, data_preprocessor.test_cfg), and it averages softmax
# probabilities over overlapping windows (mmseg averages logits).
_base_ = [
    '../_base_/models/pspnet_r50-d8-semseg.py',
    'mmseg::_base_/datasets/cityscapes.py',
    '../_base_/semseg_eval_runtime.py',
]
crop_size = (713, 713)
base_scale = (2048, 1024)
# Pad windows smaller than the crop (test_cfg). Also set at top level:
# with --tta, mmengine's BaseTTAModel replaces the model's
# data_preprocessor by the top-level one.
data_preprocessor = dict(size=crop_size, test_cfg=dict(size=crop_size))
model = dict(
    data_preprocessor=data_preprocessor,
    decode_head=dict(num_classes=19),
    auxiliary_head=dict(num_classes=19),
    test_cfg=dict(mode='slide', crop_size=crop_size, stride=(476, 476)))
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=base_scale, keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs')
]
# The test pipeline's resize, then each of img_ratios with and without a
# horizontal flip.
img_ratios = [1.0]
tta_pipeline = [
    dict(type='LoadImageFromFile', backend_args=None), test_pipeline[1],
    dict(
        type='TestTimeAug',
        transforms=[
            [
                dict(type='Resize', scale_factor=r, keep_ratio=True)
                for r in img_ratios
            ],
            [
                dict(type='RandomFlip', prob=prob, direction='horizontal')
                for prob in (0., 1.)
            ],
            test_pipeline[2:3],
            test_pipeline[3:],
        ])
]
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
train_dataloader = None
