# The demo baseline deeplabv3plus_r18-c32-d16_... with the shape stream:
# GSCNNSepASPPHead = DepthwiseSeparableASPPHead + Gated-SCNN's edge branch
# and losses, on the demo GSCNN's neck. The controlled boundary comparison.
_base_ = './gscnn_r18-c32-d16_1xb4-1k_demo-cityscapes-256x512.py'
# The base's GSCNNHead settings, less its fine-feature branch: the separable
# ASPP head takes its low-level features through c1_*.
model = dict(
    decode_head=dict(
        {
            k: v
            for k, v in _base_.model.decode_head.items()
            if not k.startswith('fine_') and k != 'num_convs'
        },
        _delete_=True,
        type='GSCNNSepASPPHead',
        c1_in_channels=32,
        c1_channels=24))
