# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Scripts may import mmseg before mmseg_ext; output stays quiet and honest.

The wheel installs ``mmseg_ext-import-hook.pth`` (tested end to end in
tests/test_packaging). Here the same ``.pth`` line is processed by
``site.addsitedir`` in a fresh interpreter of this (editable) environment.
"""
import os
import os.path as osp
import subprocess
import sys
import textwrap
import types

import pytest

import mmseg_ext
from mmseg_ext.compat import import_hook, mmcv_ops
from ..tiny_runs import REPO_ROOT, load_script

lite_only = pytest.mark.skipif(
    mmcv_ops.has_compiled_mmcv_ops(),
    reason='full mmcv installed: mmcv.ops is the real one')


def _python(code, tmp_path, env=None):
    pth_dir = tmp_path / 'site'
    pth_dir.mkdir(exist_ok=True)
    setup = load_script('setup.py')
    (pth_dir / setup.PTH_NAME).write_text(setup.PTH_LINE)
    prologue = f'import site; site.addsitedir({str(pth_dir)!r})\n'
    return subprocess.run([
        sys.executable, '-W', 'default', '-c', prologue + textwrap.dedent(code)
    ],
                          cwd=str(tmp_path),
                          capture_output=True,
                          text=True,
                          timeout=600,
                          env=env)


def test_mmseg_apis_before_mmseg_ext(tmp_path):
    proc = _python(
        f"""
        from mmseg.apis import init_model
        from mmseg.utils import register_all_modules
        import mmseg.models
        import mmseg_ext
        from mmengine.config import Config
        cfg = Config.fromfile({REPO_ROOT!r} +
            '/configs/demo/gscnn_r18-c32-d16_1xb4-500it_demo-cityscapes-256x512.py')
        model = init_model(cfg, device='cpu')
        print('OK', type(model).__name__)
        """, tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'OK ShapeStreamEncoderDecoder' in proc.stdout


@lite_only
def test_one_honest_line_instead_of_mmcv_lites_warning(tmp_path):
    proc = _python(
        """
        import mmseg.models
        import mmseg_ext
        """, tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'MultiScaleDeformableAttention' not in proc.stderr
    assert proc.stderr.count(mmcv_ops.LITE_NOTICE) == 1
    # Nothing else is silenced: a warning from elsewhere still shows.
    proc = _python(
        """
        import mmseg_ext, warnings
        warnings.warn('a user warning stays visible')
        """, tmp_path)
    assert 'a user warning stays visible' in proc.stderr


@lite_only
def test_hook_can_be_turned_off(tmp_path):
    env = dict(os.environ, **{import_hook.DISABLE_ENV: '1'})
    proc = _python('from mmseg.apis import init_model\n', tmp_path, env=env)
    assert proc.returncode != 0
    assert "No module named 'mmcv._ext'" in proc.stderr


def test_finder_steps_aside_for_a_full_mmcv(tmp_path):
    """With ``mmcv._ext`` importable the finder serves nothing."""
    proc = _python(
        """
        import importlib.machinery, sys, types
        import mmcv
        ext = types.ModuleType('mmcv._ext')
        ext.__spec__ = importlib.machinery.ModuleSpec('mmcv._ext', None)
        sys.modules['mmcv._ext'] = ext
        finder = next(f for f in sys.meta_path
                      if getattr(f, 'mmseg_ext_finder', False))
        assert finder.find_spec('mmcv.ops') is None
        assert finder.find_spec('numpy') is None
        print('ASIDE')
        """, tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'ASIDE' in proc.stdout


def test_config_table_entry_before_mmseg_ext(tmp_path):
    proc = _python(
        """
        from mmengine.config.utils import MODULE2PACKAGE
        assert MODULE2PACKAGE['mmseg_ext'] == 'mmseg_ext'
        assert MODULE2PACKAGE['mmseg'] == 'mmsegmentation'
        print('TABLE')
        """, tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'TABLE' in proc.stdout


def test_config_parser_finds_the_imported_package_before_mmseg_ext(tmp_path):
    """mmengine looks for ``.mim`` at the distribution's location joined
    with the package name, which is no folder for an editable install; the
    hook makes the config parser use the folder mmseg_ext imports from."""
    proc = _python(
        f"""
        import os, sys
        from mmengine.config import config
        assert 'mmseg_ext' not in sys.modules
        assert config.get_installed_path.mmseg_ext_patch
        found = config.get_installed_path('mmseg_ext')
        assert found == os.path.join({REPO_ROOT!r}, 'mmseg_ext'), found
        assert config.get_installed_path.__wrapped__('mmcv')
        print('PATH')
        """,
        tmp_path,
        env=dict(os.environ, PYTHONPATH=REPO_ROOT))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'PATH' in proc.stdout


def test_patch_answers_for_mmseg_ext_only_and_once():
    module = types.SimpleNamespace(
        get_installed_path=lambda package: f'/site/{package}')
    import_hook.patch_installed_path(module)
    patched = module.get_installed_path
    import_hook.patch_installed_path(module)  # idempotent
    assert module.get_installed_path is patched
    assert patched('mmseg') == '/site/mmseg'
    assert patched('mmseg_ext') == osp.dirname(mmseg_ext.__file__)
    # `import mmseg_ext` applied it to mmengine's config parser too.
    from mmengine.config import config
    assert config.get_installed_path('mmseg_ext') == osp.dirname(
        mmseg_ext.__file__)
