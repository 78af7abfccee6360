# Copyright (c) mmseg_ext contributors. All rights reserved.
import pytest

from .tiny_models import FCN_DEMO, GSCNN_DEMO, tiny_model_files


@pytest.fixture(scope='session')
def gscnn_files(tmp_path_factory):
    """(config, checkpoint, image) of a tiny random-weight Gated-SCNN."""
    return tiny_model_files(str(tmp_path_factory.mktemp('gscnn')), GSCNN_DEMO)


@pytest.fixture(scope='session')
def fcn_files(tmp_path_factory):
    """(config, checkpoint, image) of a tiny random-weight FCN."""
    return tiny_model_files(str(tmp_path_factory.mktemp('fcn')), FCN_DEMO)


@pytest.fixture(scope='session')
def fcn_stream_files(tmp_path_factory):
    """(config, checkpoint, image) of a tiny random-weight FCN with the
    shape stream added by config (the README's recipe)."""
    tmp = tmp_path_factory.mktemp('fcn_stream')
    base = str(tmp / 'fcn-stream_demo.py')
    with open(base, 'w') as f:
        f.write(f"""
_base_ = [{FCN_DEMO!r}]
model = dict(
    type='ShapeStreamEncoderDecoder',
    neck=dict(type='GatedShapeStream', in_channels=[32, 64, 128, 256],
              stream_in_channels=16, channels=(16, 8, 4), stride=4))
visualizer = dict(type='SideBySideSegVisualizer')
""")
    return tiny_model_files(str(tmp), base)
