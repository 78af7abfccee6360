# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Edge maps through mmseg's inference APIs: the inferencer (out_dir and
visualisation) and show_result_pyplot, on tiny random-weight models."""
import glob
import os
import os.path as osp

import cv2
import numpy as np
import pytest

from mmseg_ext.apis import MMSegExtInferencer, show_result_pyplot
from mmseg_ext.visualization import edge_map_to_uint8
from .tiny_models import IMAGE_SHAPE

H, W = IMAGE_SHAPE


def panels(picture: np.ndarray) -> int:
    assert picture.shape[0] == H and picture.shape[1] % W == 0
    return picture.shape[1] // W


@pytest.mark.parametrize('files', ('gscnn_files', 'fcn_stream_files'))
def test_inferencer_writes_and_draws_edges(files, tmp_path, request):
    config, ckpt, image = request.getfixturevalue(files)
    inferencer = MMSegExtInferencer(config, ckpt, device='cpu')
    out = str(tmp_path / 'out')
    result = inferencer(image, out_dir=out, return_vis=True)
    written = sorted(os.listdir(osp.join(out, 'pred')))
    assert written == ['00000000_edge.png', '00000000_pred.png']
    sample = inferencer(image, return_datasamples=True)
    expected = edge_map_to_uint8(sample.pred_edge_map)
    assert expected.shape == (H, W)
    png = cv2.imread(
        osp.join(out, 'pred', '00000000_edge.png'), cv2.IMREAD_UNCHANGED)
    np.testing.assert_array_equal(png, expected)
    np.testing.assert_allclose(
        result['edge_maps'], sample.pred_edge_map.data[0].numpy(), atol=1e-6)
    assert result['predictions'].shape == (H, W)
    # The picture: image | prediction | predicted edges, the last panel
    # being the edge map in grey.
    vis = result['visualization']
    assert panels(vis) == 3
    np.testing.assert_array_equal(vis[-5:, 2 * W:, 0], expected[-5:])
    drawn = cv2.imread(osp.join(out, 'vis', 'street.png'))
    assert drawn.shape == vis.shape
    # Numbering continues over calls, edge files with it.
    inferencer([image, image], out_dir=out)
    assert len(os.listdir(osp.join(out, 'pred'))) == 6
    assert osp.isfile(osp.join(out, 'pred', '00000002_edge.png'))


def test_inferencer_without_shape_stream_is_mmseg(fcn_files, tmp_path):
    config, ckpt, image = fcn_files
    inferencer = MMSegExtInferencer(config, ckpt, device='cpu')
    result = inferencer(image, out_dir=str(tmp_path), return_vis=True)
    assert os.listdir(tmp_path / 'pred') == ['00000000_pred.png']
    assert 'edge_maps' not in result
    assert panels(result['visualization']) == 2  # image | prediction


@pytest.mark.parametrize('model', ['gscnn', 'fcn'])
def test_show_result_pyplot_draws_edges(model, gscnn_files, fcn_files,
                                        tmp_path):
    from mmseg.apis import inference_model, init_model
    config, ckpt, image = gscnn_files if model == 'gscnn' else fcn_files
    net = init_model(config, ckpt, device='cpu')
    result = inference_model(net, image)
    out_file = str(tmp_path / 'picture.png')
    picture = show_result_pyplot(
        net, image, result, show=False, draw_gt=False, out_file=out_file)
    assert cv2.imread(out_file).shape == picture.shape
    if model == 'gscnn':
        assert panels(picture) == 3
        expected = edge_map_to_uint8(result.pred_edge_map)
        np.testing.assert_array_equal(picture[-5:, 2 * W:, 1], expected[-5:])
    else:
        assert panels(picture) == 2


def test_mmseg_inferencer_draws_edges_through_the_config(
        gscnn_files, tmp_path):
    """mmseg's own inferencer builds the config's visualizer: edges drawn
    (the edge PNG in pred/ needs MMSegExtInferencer)."""
    from mmseg.apis import MMSegInferencer
    config, ckpt, image = gscnn_files
    result = MMSegInferencer(
        config, ckpt, device='cpu')(
            image, return_vis=True)
    assert panels(result['visualization']) == 3


def test_every_shape_stream_config_draws_edges():
    from mmengine.config import Config

    from ..tiny_runs import REPO_ROOT
    paths = glob.glob(osp.join(REPO_ROOT, 'configs', '*', 'gscnn*.py'))
    assert len(paths) >= 8, paths
    for path in sorted(paths):
        cfg = Config.fromfile(path, import_custom_modules=False)
        assert cfg.model.type == 'ShapeStreamEncoderDecoder', path
        assert cfg.visualizer.type == 'SideBySideSegVisualizer', path
