# Copyright (c) mmseg_ext contributors. All rights reserved.
"""The mmcv-lite layer: stand-ins when compiled ops are missing, a no-op
when a full mmcv (with ``mmcv._ext``) is installed."""
import subprocess
import sys
import textwrap

import pytest
import torch
import torch.nn.functional as F

import mmseg_ext  # noqa: F401
from mmseg_ext.compat import mmcv_ops
from ..tiny_runs import REPO_ROOT

MMCV_OPS_FILE = mmcv_ops.__file__

lite_only = pytest.mark.skipif(
    mmcv_ops.has_compiled_mmcv_ops(),
    reason='full mmcv installed: the stand-ins are (correctly) not used')


@lite_only
def test_mmseg_models_import_with_mmcv_lite():
    import mmcv.ops
    import mmseg.models  # noqa: F401
    from mmseg.models.utils import point_sample as mmseg_point_sample
    assert mmcv.ops.__mmseg_ext_stub__
    assert mmseg_point_sample.point_sample is mmcv_ops.point_sample


@lite_only
def test_missing_compiled_op_names_op_and_fix():
    import mmcv.ops
    with pytest.raises(mmcv_ops.MissingCompiledOpError) as err:
        mmcv.ops.RoIAlign
    msg = str(err.value)
    assert 'mmcv.ops.RoIAlign' in msg and 'mmcv==2.1.0' in msg
    # mmseg's guarded imports (``except ModuleNotFoundError``) still work.
    from mmseg.models.decode_heads import cc_head
    assert cc_head.CrissCrossAttention is None
    with pytest.raises(ModuleNotFoundError):
        from mmcv.ops import DeformConv2d  # noqa: F401
    assert not hasattr(mmcv.ops, '__wrapped__')  # dunders: AttributeError


def test_point_sample_matches_grid_sample():
    x = torch.randn(2, 3, 7, 9)
    pts = torch.rand(2, 11, 2)
    out = mmcv_ops.point_sample(x, pts)
    ref = F.grid_sample(
        x, (2 * pts - 1).unsqueeze(2), align_corners=False).squeeze(3)
    assert out.shape == (2, 3, 11)
    torch.testing.assert_close(out, ref)
    # Corner point (0, 0) with align_corners=True samples pixel (0, 0).
    corner = mmcv_ops.point_sample(x, torch.zeros(2, 1, 2), align_corners=True)
    torch.testing.assert_close(corner[..., 0], x[:, :, 0, 0])


def test_sigmoid_focal_loss_matches_mmseg_python_version():
    from mmseg.models.losses.focal_loss import py_sigmoid_focal_loss
    pred = torch.randn(10, 4)
    target = torch.randint(0, 5, (10, ))  # 4 == background
    ours = mmcv_ops.sigmoid_focal_loss(pred, target, 2.0, 0.25, None, 'none')
    one_hot = F.one_hot(target, 5)[:, :4].float()
    ref = py_sigmoid_focal_loss(
        pred, one_hot, None, gamma=2.0, alpha=0.25, reduction='none')
    torch.testing.assert_close(ours, ref)


def test_no_op_when_full_mmcv_is_installed():
    """Simulate a full mmcv: ``mmcv._ext`` importable and a real
    ``mmcv.ops``. Importing mmseg_ext must leave both untouched."""
    code = textwrap.dedent(f"""
        import importlib.machinery, importlib.util, sys, types
        import mmcv
        ext = types.ModuleType('mmcv._ext')
        ext.__spec__ = importlib.machinery.ModuleSpec('mmcv._ext', None)
        sys.modules['mmcv._ext'] = ext
        # (a) the layer alone: detects the compiled ops, installs nothing.
        spec = importlib.util.spec_from_file_location(
            'standalone_mmcv_ops', {MMCV_OPS_FILE!r})
        layer = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(layer)
        assert layer.has_compiled_mmcv_ops()
        assert layer.install() is False
        assert 'mmcv.ops' not in sys.modules
        # (b) the whole package with a (fake) real mmcv.ops.
        real = types.ModuleType('mmcv.ops')
        real.point_sample = lambda *a, **k: 'real'
        real.sigmoid_focal_loss = lambda *a, **k: 'real'

        def every_other_op(name):  # a full mmcv has them all
            if name.startswith('__'):
                raise AttributeError(name)
            return type(name, (), {{}})

        real.__getattr__ = every_other_op
        sys.modules['mmcv.ops'] = real
        import mmseg_ext
        import mmseg.models
        from mmseg.models.utils import point_sample as ps
        assert sys.modules['mmcv.ops'] is real
        assert ps.point_sample is real.point_sample
        print('UNTOUCHED')
    """)
    proc = subprocess.run([sys.executable, '-c', code],
                          cwd=REPO_ROOT,
                          capture_output=True,
                          text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'UNTOUCHED' in proc.stdout
