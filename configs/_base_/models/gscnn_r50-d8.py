# Gated-SCNN (Takikawa et al., ICCV 2019) on ResNetV1c-50 with dilation
# (output stride 8) and the FCN auxiliary head (r50-d8_fcn-aux.py). Regular
# stream = the backbone; shape stream = the GatedShapeStream neck fed with
# the image's Canny edges (computed on the device by
# ShapeStreamEncoderDecoder); fusion + decoder = GSCNNHead.
_base_ = ['./r50-d8_fcn-aux.py']
norm_cfg = _base_.norm_cfg
model = dict(
    type='ShapeStreamEncoderDecoder',
    # Image gradients (paper: Canny), on the un-normalised image: cv2.Canny
    # on CPU tensors, traceable tensor ops on GPUs and in exported graphs,
    # whose hysteresis runs a fixed number of steps (agreement with
    # cv2.Canny per bound: configs/gscnn/README.md).
    image_gradient=dict(
        low_threshold=10.,
        high_threshold=100.,
        backend='auto',
        hysteresis_iters=256),
    neck=dict(
        type='GatedShapeStream',
        in_channels=[256, 512, 1024, 2048],
        # The stream starts from stage 1 (1/4), projected to 64 channels
        # (the width of the official stream input, WRN38's mod1).
        stream_index=0,
        stream_in_channels=64,
        # Gating side outputs from stages 2-4, one per gated conv.
        in_index=(1, 2, 3),
        channels=(32, 16, 8),
        # Full input resolution as in the paper; 2 or 4 to save memory.
        stride=1,
        norm_cfg=norm_cfg,
        align_corners=False),
    decode_head=dict(
        type='GSCNNHead',
        in_channels=2048,
        in_index=3,
        channels=256,
        # ASPP rates at output stride 8 (1 = the 1x1 branch).
        dilations=(1, 12, 24, 36),
        fine_in_index=0,
        fine_in_channels=256,
        fine_channels=48,
        num_convs=2,
        dropout_ratio=0.1,
        num_classes=19,
        norm_cfg=norm_cfg,
        align_corners=False,
        # L = CE + lambda_1 * BCE_edge + lambda_3 * dual + lambda_4 * att:
        # CE here, the other three in shape_stream_loss.
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    shape_stream_loss=dict(
        loss_edge=dict(type='BoundaryBCELoss', loss_weight=20.0),
        loss_dual=dict(type='DualTaskLoss', tau=0.5, loss_weight=1.0),
        loss_edge_att=dict(
            type='EdgeAttentionLoss', threshold=0.8, loss_weight=1.0)))
