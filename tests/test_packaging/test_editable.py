# Copyright (c) mmseg_ext contributors. All rights reserved.
"""The editable install, as ``make demo``, ``make test`` and contributors
get it from ``pip install -e .``.

Installed (``--no-deps``) into a fresh venv that sees this environment's
dependencies, by PEP 660 (what pip does today) and by ``setup.py develop``
(older pip), and used from a folder outside the repository, in fresh
interpreters: the import hook ``.pth`` is in site-packages, so mmseg's
modules may come before ``mmseg_ext``, and ``_base_ = ['mmseg_ext::...']``
resolves to the checkout's ``mmseg_ext/.mim`` links, also before
``import mmseg_ext``.
"""
import os
import os.path as osp
import sys
import textwrap

import pytest

from ..tiny_runs import REPO_ROOT, load_script
from .venv_helpers import fresh_venv, run, user_dir

pytestmark = pytest.mark.slow


@pytest.fixture(scope='module', params=['pep660', 'legacy'])
def venv(request, tmp_path_factory):
    """``pep660``: this environment's pip (which builds an editable wheel
    with this environment's setuptools) installs into a venv without its
    own; ``legacy``: the venv's bundled old pip runs ``setup.py
    develop``."""
    root = tmp_path_factory.mktemp(f'editable-{request.param}')
    py, purelib = fresh_venv(root, with_pip=request.param == 'legacy')
    pip = [py, '-m', 'pip'] if request.param == 'legacy' else [
        sys.executable, '-m', 'pip', '--python', py
    ]
    run(pip + [
        'install', '-q', '--no-deps', '--no-index', '--no-build-isolation',
        '-e', REPO_ROOT
    ],
        cwd=str(root),
        env=dict(os.environ, TMPDIR=str(root)))
    return py, purelib


def test_import_hook_installed(venv):
    py, purelib = venv
    setup = load_script('setup.py')
    with open(osp.join(purelib, setup.PTH_NAME)) as f:
        assert f.read() == setup.PTH_LINE
    # The package itself stays in the checkout.
    assert not osp.exists(osp.join(purelib, 'mmseg_ext'))


def test_mmseg_first_and_mmseg_ext_base_before_import(venv, tmp_path):
    """What failed before: mmseg's modules first on mmcv-lite
    (`No module named 'mmcv._ext'`), and `mmseg_ext::` resolved against
    site-packages/mmseg_ext (FileNotFoundError: .mim/model-index.yml)."""
    py, _ = venv
    code = textwrap.dedent(f"""
        import sys
        from mmseg.apis import init_model
        from mmengine.config import Config
        # The _base_ is resolved before anything imports mmseg_ext.
        cfg = Config.fromfile('my_config.py', import_custom_modules=False)
        assert 'mmseg_ext' not in sys.modules
        import mmseg_ext
        assert mmseg_ext.__file__.startswith({REPO_ROOT!r}), mmseg_ext.__file__
        model = init_model(cfg, device='cpu')
        print('BUILT', type(model).__name__, type(model.decode_head).__name__)
    """)
    # Only what the install put on the path: no PYTHONPATH.
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    proc = run([py, '-c', code], cwd=str(user_dir(tmp_path)), env=env)
    assert 'BUILT ShapeStreamEncoderDecoder GSCNNHead' in proc.stdout
