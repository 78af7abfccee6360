# Copyright (c) mmseg_ext contributors. All rights reserved.
"""mmengine's own checkpoints load under torch>=2.6 safe loading; anything
else that needs arbitrary globals is still refused."""
import os
import pickle
from collections import OrderedDict

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub
from mmengine.runner.checkpoint import _load_checkpoint

import mmseg_ext  # noqa: F401
from mmseg_ext.compat.checkpoint_loading import _history_buffer_getattr


def _mmengine_like_checkpoint(path):
    hub = MessageHub.get_instance('ckpt_test')
    for v in (0.5, 0.25):
        hub.update_scalar('train/loss', v)
    hub.update_info('best_score', np.float32(61.5))
    hub.update_info('eta', np.float64(0.0))
    ckpt = dict(
        meta=dict(iter=4, seed=0, dataset_meta=dict(classes=('a', 'b'))),
        state_dict=OrderedDict(w=torch.ones(2, 2)),
        message_hub=hub.state_dict(),
        optimizer=dict(state={}, param_groups=[dict(lr=0.1)]),
        extra=dict(arr=np.arange(4), dt=np.dtype('float32')))
    torch.save(ckpt, path)


def test_mmengine_checkpoint_loads_safely(tmp_path):
    path = str(tmp_path / 'iter_4.pth')
    _mmengine_like_checkpoint(path)
    # Plain torch.load (weights_only default) refuses it: the problem.
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path)
    ckpt = _load_checkpoint(path, map_location='cpu')
    buf = ckpt['message_hub']['log_scalars']['train/loss']
    assert isinstance(buf, HistoryBuffer)
    assert buf.min() == 0.25
    assert ckpt['message_hub']['runtime_info']['best_score'] == \
        np.float32(61.5)
    np.testing.assert_array_equal(ckpt['extra']['arr'], np.arange(4))


class _Evil:

    def __reduce__(self):
        return (os.system, ('echo pwned > /dev/null', ))


def test_malicious_pickle_is_refused(tmp_path):
    path = str(tmp_path / 'evil.pth')
    torch.save({'state_dict': {}, 'payload': _Evil()}, path)
    with pytest.raises(pickle.UnpicklingError) as err:
        _load_checkpoint(path, map_location='cpu')
    assert 'evil.pth' in str(err.value)


def test_restricted_getattr():
    assert _history_buffer_getattr(HistoryBuffer, 'min') is HistoryBuffer.min
    for obj, name in ((HistoryBuffer, '__init__'), (os, 'system'),
                      (np, 'load'), (HistoryBuffer, 'nonexistent')):
        with pytest.raises(pickle.UnpicklingError):
            _history_buffer_getattr(obj, name)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        _load_checkpoint(str(tmp_path / 'nope.pth'))
