# Copyright (c) mmseg_ext contributors. All rights reserved.
"""mmengine's own checkpoints load safely on every torch; anything else that
needs arbitrary globals is refused.

Tests that depend on a torch behaviour detect the behaviour (e.g. whether
``torch.serialization.safe_globals`` exists), never the version number.
"""
import os
import pickle
from collections import OrderedDict

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub
from mmengine.runner.checkpoint import _load_checkpoint

import mmseg_ext  # noqa: F401
from mmseg_ext.compat import checkpoint_loading as cl
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
    ckpt = _load_checkpoint(path, map_location='cpu')
    _check_loaded(ckpt)


def _check_loaded(ckpt):
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


def test_plain_torch_load_is_the_problem(tmp_path):
    """Without mmseg_ext, torch.load either refuses mmengine's checkpoint
    (weights-only default) or would run any pickle (the unsafe default).
    Either way the scheme mmengine uses for local files is ours."""
    path = str(tmp_path / 'iter_4.pth')
    _mmengine_like_checkpoint(path)
    try:
        torch.load(path)
    except pickle.UnpicklingError as e:
        assert 'HistoryBuffer' in str(e) or 'weights' in str(e).lower()
    from mmengine.runner.checkpoint import CheckpointLoader
    assert CheckpointLoader._get_checkpoint_loader(path) is \
        cl.load_from_local_safe


def test_restricted_pickle_module_on_every_torch(tmp_path):
    """The fallback path (torch without a scoped allow-list) works on any
    torch: it loads mmengine checkpoints and refuses other globals."""
    good, evil = str(tmp_path / 'good.pth'), str(tmp_path / 'evil.pth')
    _mmengine_like_checkpoint(good)
    torch.save({'state_dict': {}, 'payload': _Evil()}, evil)
    ckpt = torch.load(
        good,
        map_location='cpu',
        pickle_module=cl.restricted_pickle,
        weights_only=False)
    _check_loaded(ckpt)
    with pytest.raises(pickle.UnpicklingError, match='posix.system|os.system'):
        torch.load(
            evil,
            map_location='cpu',
            pickle_module=cl.restricted_pickle,
            weights_only=False)


def test_each_available_path_refuses_and_loads(tmp_path, monkeypatch):
    """Run the public loader down every path this torch offers."""
    good, evil = str(tmp_path / 'good.pth'), str(tmp_path / 'evil.pth')
    _mmengine_like_checkpoint(good)
    torch.save({'payload': _Evil()}, evil)
    paths = [False] + ([True] if cl.has_scoped_safe_globals() else [])
    for scoped in paths:
        monkeypatch.setattr(cl, 'has_scoped_safe_globals', lambda: scoped)
        _check_loaded(cl.load_from_local_safe(good, map_location='cpu'))
        with pytest.raises(pickle.UnpicklingError, match='evil.pth'):
            cl.load_from_local_safe(evil, map_location='cpu')


class _Trusted:

    def __init__(self):
        self.x = 3


def test_opt_out_env_loads_trusted_files(tmp_path, monkeypatch):
    path = str(tmp_path / 'trusted.pth')
    torch.save({'obj': _Trusted()}, path)
    with pytest.raises(pickle.UnpicklingError, match=cl.FORCE_UNSAFE_ENV):
        cl.load_from_local_safe(path)
    monkeypatch.setenv(cl.FORCE_UNSAFE_ENV, '1')
    assert cl.load_from_local_safe(path)['obj'].x == 3


def test_a_users_local_loader_is_left_alone(monkeypatch):
    from mmengine.runner.checkpoint import CheckpointLoader

    def users_loader(filename, map_location=None):
        return {}

    monkeypatch.setitem(CheckpointLoader._schemes, '', users_loader)
    assert cl.install() is False
    assert CheckpointLoader._schemes[''] is users_loader
