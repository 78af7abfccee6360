# PSPUpsampleHead + image-level class-presence supervision: a second
# auxiliary head (../_base_/models/class_presence_head.py) beside the FCNHead
# deep supervision, predicting the classes of the decode head.
_base_ = [
    './psp-upsample_r50-d8_4xb2-80k_cityscapes-512x1024.py',
    '../_base_/models/class_presence_head.py'
]
presence_head = dict(
    _base_.presence_head, num_classes=_base_.model.decode_head.num_classes)
model = dict(auxiliary_head=[{{_base_.model.auxiliary_head}}, presence_head])
