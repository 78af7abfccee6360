# Ablation of Gated-SCNN on CamVid (configs/camvid/README.md): the full model
# (GSCNNSepASPPHead) without the edge-attention loss.
_base_ = ['../gscnn-deeplabv3plus_r18-c32-d16_1xb4-1500it_camvid-256x256.py']
model = dict(shape_stream_loss=dict(loss_edge_att=None))
