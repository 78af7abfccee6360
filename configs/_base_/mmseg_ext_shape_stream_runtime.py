# The runtime of shape-stream (Gated-SCNN) models: mmseg_ext's runtime with a
# visualizer that draws the predicted edge map next to image, ground truth and
# prediction (test --show-dir, validation pictures, inferencers,
# show_result_pyplot; docs/visualization.md).
_base_ = ['./mmseg_ext_runtime.py']
visualizer = dict(
    type='SideBySideSegVisualizer',
    vis_backends=[dict(type='LocalVisBackend')],
    name='visualizer')
