# PSPUpsampleHead + image-level class-presence supervision: a second
# auxiliary head (ClassPresenceHead: global max-pooled stage-3 features ->
# MLP -> multi-label logits, BCE against the classes present in the image)
# beside the FCNHead deep supervision. The pspnet-pytorch seed weighs it
# with alpha = 1.0; here 0.4, like the pixel-wise auxiliary loss.
_base_ = './psp-upsample_r50-d8_4xb2-80k_cityscapes-512x1024.py'
presence_head = dict(
    type='ClassPresenceHead',
    in_channels=1024,
    in_index=2,
    channels=256,
    num_classes=19,
    loss_decode=dict(
        type='CrossEntropyLoss',
        use_sigmoid=True,
        avg_non_ignore=True,
        loss_weight=0.4,
        loss_name='loss_presence'))
model = dict(auxiliary_head=[{{_base_.model.auxiliary_head}}, presence_head])
