# Copyright (c) mmseg_ext contributors. All rights reserved.
"""The wheel, as a user gets it from ``pip install .``.

Built once per session, installed (``--no-deps``) into a fresh venv that
sees this environment's dependencies but not the editable checkout, and
used from a folder outside the repository: configs and tools ship in
``mmseg_ext/.mim``, ``_base_ = ['mmseg_ext::...']`` resolves, mmseg's
modules may be imported before ``mmseg_ext``, and nothing else lands at
the top level of site-packages.
"""
import glob
import os
import os.path as osp
import sys
import textwrap
import zipfile

import pytest

from ..tiny_runs import REPO_ROOT
from .venv_helpers import fresh_venv, run, user_dir

pytestmark = pytest.mark.slow


@pytest.fixture(scope='module')
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp('wheel')
    build = tmp_path_factory.mktemp('build')
    run([
        sys.executable, '-m', 'pip', 'wheel', '--no-deps',
        '--no-build-isolation', '-q', '-w',
        str(out), REPO_ROOT
    ],
        cwd=str(build),
        env=dict(os.environ, TMPDIR=str(build)))
    wheels = glob.glob(str(out / 'mmseg_ext-*.whl'))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.fixture(scope='module')
def venv(wheel, tmp_path_factory):
    """A fresh venv holding only the wheel; dependencies come from this
    environment's site-packages through a plain path entry (so its own
    ``.pth`` files, e.g. the editable install's, are not processed)."""
    root = tmp_path_factory.mktemp('venv')
    py, purelib = fresh_venv(root)
    run([py, '-m', 'pip', 'install', '-q', '--no-deps', '--no-index', wheel],
        cwd=str(root))
    return py, purelib


def test_wheel_contents(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split('/')[0] for n in names}
    assert tops == {
        'mmseg_ext', 'mmseg_ext-import-hook.pth',
        next(t for t in tops if t.endswith('.dist-info'))
    }, tops
    mim = {
        n[len('mmseg_ext/.mim/'):]
        for n in names if n.startswith('mmseg_ext/.mim/')
    }
    for required in ('model-index.yml', 'tools/train.py', 'tools/test.py',
                     'configs/_base_/mmseg_ext_runtime.py',
                     'configs/gscnn/metafile.yml'):
        assert required in mim, required
    repo_configs = {
        osp.relpath(p, REPO_ROOT)
        for p in glob.glob(
            osp.join(REPO_ROOT, 'configs', '**', '*.py'), recursive=True)
    }
    assert repo_configs <= mim


def test_config_outside_repo_inherits_ours(venv, tmp_path):
    """mmseg's modules first (as most user scripts do), then a config of
    the user's that inherits one of ours, built into a model."""
    py, purelib = venv
    code = textwrap.dedent(f"""
        from mmseg.apis import init_model
        from mmseg.utils import register_all_modules
        from mmengine.config import Config
        cfg = Config.fromfile('my_config.py')
        import mmseg_ext
        assert mmseg_ext.__file__.startswith({purelib!r}), mmseg_ext.__file__
        model = init_model(cfg, device='cpu')
        print('BUILT', type(model).__name__, type(model.decode_head).__name__)
    """)
    proc = run([py, '-c', code], cwd=str(user_dir(tmp_path)))
    assert 'BUILT ShapeStreamEncoderDecoder GSCNNHead' in proc.stdout
    # No "failed to search registry" fallback for the mmseg_ext scope.
    assert 'Failed to search registry' not in proc.stdout + proc.stderr


def test_shipped_tools_parse_the_users_config(venv, tmp_path):
    py, purelib = venv
    train = osp.join(purelib, 'mmseg_ext', '.mim', 'tools', 'train.py')
    assert osp.isfile(train)
    code = textwrap.dedent(f"""
        import runpy, sys
        from unittest import mock
        from mmengine.runner import Runner
        seen = {{}}

        def fake_from_cfg(cfg):
            seen['type'] = cfg.model.type
            raise SystemExit(0)

        with mock.patch.object(Runner, 'from_cfg', fake_from_cfg):
            sys.argv = ['train.py', 'my_config.py', '--work-dir', 'wd']
            # As `python train.py`: its folder (sibling modules) on the path.
            sys.path.insert(0, {osp.dirname(train)!r})
            try:
                runpy.run_path({train!r}, run_name='__main__')
            except SystemExit:
                pass
        print('TYPE', seen.get('type'))
    """)
    proc = run([py, '-c', code], cwd=str(user_dir(tmp_path)))
    assert 'TYPE ShapeStreamEncoderDecoder' in proc.stdout, proc.stderr[-3000:]
