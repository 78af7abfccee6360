# Image-level class-presence supervision, a second auxiliary head beside the
# FCNHead deep supervision of r50-d8_fcn-aux.py: ClassPresenceHead (global
# max-pooled stage-3 features -> MLP -> multi-label logits, BCE against the
# classes present in the image). The pspnet-pytorch seed weighs it with
# alpha = 1.0; here 0.4, like the pixel-wise auxiliary loss. A config sets
# its num_classes and appends it to model.auxiliary_head (configs/pspnet/).
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
