# Copyright (c) mmseg_ext contributors. All rights reserved.
import os.path as osp

import pytest
import torch

import mmseg_ext  # noqa: F401  (must precede any mmseg.models import)

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


# mmseg's own test-suite convention: default scope 'mmseg', all modules
# imported, so registry builds find mmseg's and this package's types.
def _register_all() -> None:
    from mmseg.utils import register_all_modules
    register_all_modules(init_default_scope=True)


_register_all()
torch.set_num_threads(max(1, min(2, torch.get_num_threads())))


def pytest_collection_modifyitems(config, items):
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason='needs a CUDA GPU')
    for item in items:
        if 'gpu' in item.keywords:
            item.add_marker(skip)
