# Evaluate hszhao/semseg's PSPNet-50 ADE20K weights, converted with
# tools/model_converters/semseg2mmseg.py, the way semseg tests them: the
# image resized to a 512 long side (semseg's base_size), then 473x473
# sliding windows at 2/3 stride (ceil(473 * 2 / 3) = 316), windows padded to
# 473 with the mean colour. semseg's "ss" numbers also average a horizontal
# flip: run `tools/test.py CONFIG CKPT --tta` (tta_pipeline below: scale 1.0
# of the 512 long side, flip, softmax averaging); without --tta no flip is
# used. For semseg's "ms", set img_ratios = [0.5, 0.75, 1.0, 1.25, 1.5, 1.75]
# in a derived config. Labels: reduce_zero_label (0 = other -> 255) gives
# semseg's 150 classes 0..149. Evaluation only: no train loop.
# See the Cityscapes config for the remaining small differences.
_base_ = [
    '../_base_/models/pspnet_r50-d8-semseg.py',
    'mmseg::_base_/datasets/ade20k.py',
    '../_base_/semseg_eval_runtime.py',
]
crop_size = (473, 473)
base_scale = (512, 512)
# Pad windows smaller than the crop (test_cfg). Also set at top level:
# with --tta, mmengine's BaseTTAModel replaces the model's
# data_preprocessor by the top-level one.
data_preprocessor = dict(size=crop_size, test_cfg=dict(size=crop_size))
model = dict(
    data_preprocessor=data_preprocessor,
    decode_head=dict(num_classes=150),
    auxiliary_head=dict(num_classes=150),
    test_cfg=dict(mode='slide', crop_size=crop_size, stride=(316, 316)))
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=base_scale, keep_ratio=True),
    dict(type='LoadAnnotations', reduce_zero_label=True),
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
