# Copyright (c) mmseg_ext contributors. All rights reserved.
"""``demo/image_demo.py`` (mmseg's name and flags) on a user's own image,
with tiny random-weight checkpoints of a shape-stream and another model."""
import os

import cv2
import numpy as np
import pytest

from ..test_visualization.tiny_models import (FCN_DEMO, GSCNN_DEMO,
                                              IMAGE_SHAPE, tiny_model_files)
from ..tiny_runs import load_script, run_tool

H, W = IMAGE_SHAPE


@pytest.fixture(scope='module')
def image_demo():
    return load_script('demo', 'image_demo.py')


def test_shape_stream_model_end_to_end(tmp_path):
    config, ckpt, image = tiny_model_files(str(tmp_path), GSCNN_DEMO)
    out_file = str(tmp_path / 'result' / 'street_seg.png')
    proc = run_tool([
        'demo/image_demo.py', image, config, ckpt, '--out-file', out_file,
        '--device', 'cpu', '--opacity', '0.7', '--with-edge'
    ])
    edge_file = str(tmp_path / 'result' / 'street_seg_edge.png')
    assert f'segmentation: {out_file}' in proc.stdout
    assert f'edge map: {edge_file}' in proc.stdout
    assert sorted(os.listdir(
        tmp_path / 'result')) == ['street_seg.png', 'street_seg_edge.png']
    # image | prediction | predicted edges; the last panel is the PNG.
    picture = cv2.imread(out_file)
    assert picture.shape == (H, 3 * W, 3)
    edge = cv2.imread(edge_file, cv2.IMREAD_UNCHANGED)
    assert edge.dtype == np.uint8 and edge.shape == (H, W)
    np.testing.assert_array_equal(picture[-5:, 2 * W:, 0], edge[-5:])
    # The first panel is the user's image.
    np.testing.assert_array_equal(picture[-5:, :W], cv2.imread(image)[-5:])


def test_other_model_no_edge_png_no_error(tmp_path, image_demo, capsys):
    config, ckpt, image = tiny_model_files(str(tmp_path), FCN_DEMO)
    out_file = str(tmp_path / 'street_seg.png')
    image_demo.main([
        image, config, ckpt, '--out-file', out_file, '--device', 'cpu',
        '--with-edge'
    ])
    assert 'is not a shape-stream model' in capsys.readouterr().out
    assert cv2.imread(out_file).shape == (H, 2 * W, 3)  # image | prediction
    assert not os.path.exists(str(tmp_path / 'street_seg_edge.png'))


@pytest.mark.parametrize('args,message', [
    (['--with-edge'], '--with-edge needs --out-file'),
    (['--opacity', '0'], r'--opacity must be in \(0, 1\]'),
])
def test_bad_arguments_are_named(tmp_path, image_demo, capsys, args, message):
    image = str(tmp_path / 'a.png')
    cv2.imwrite(image, np.zeros((4, 4, 3), np.uint8))
    with pytest.raises(SystemExit):
        image_demo.main([image, GSCNN_DEMO, image] + args)
    assert message.replace('\\', '') in capsys.readouterr().err
    with pytest.raises(SystemExit):
        image_demo.main([str(tmp_path / 'none.png'), GSCNN_DEMO, image])
    assert "img '" in capsys.readouterr().err
