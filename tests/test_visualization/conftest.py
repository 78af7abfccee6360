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
