# The shape stream under mmseg's DeepLabV3+ head: GSCNNSepASPPHead is
# DepthwiseSeparableASPPHead with Gated-SCNN's edge branch in the ASPP and
# the shape-stream losses of the base. Everything else equals mmseg's
# deeplabv3plus_r50-d8_4xb2-80k_cityscapes-512x1024.py, so the two differ
# only by the shape stream.
_base_ = './gscnn_r50-d8_4xb2-80k_cityscapes-512x1024.py'
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
        channels=512,
        c1_in_channels=256,
        c1_channels=48))
