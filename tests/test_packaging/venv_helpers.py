# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Fresh venvs for the packaging tests: mmseg_ext installed the way a user
installs it, its dependencies seen from this environment."""
import os.path as osp
import site
import subprocess
import sys

DEMO_BASE = 'mmseg_ext::demo/gscnn_r18-c32-d16_1xb4-500it_demo-cityscapes-256x512.py'  # noqa: E501


def run(cmd, cwd, timeout=600, env=None):
    """Run ``cmd``; fail the test with its output when it fails."""
    proc = subprocess.run(
        cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)
    assert proc.returncode == 0, (cmd, proc.stdout[-2000:],
                                  proc.stderr[-4000:])
    return proc


def fresh_venv(root, with_pip=True):
    """A venv at ``root`` that sees this environment's site-packages
    through a plain path entry (so their ``.pth`` files, e.g. an editable
    install's, are not processed). Returns its python and purelib."""
    run([sys.executable, '-m', 'venv', str(root)] +
        ([] if with_pip else ['--without-pip']),
        cwd=str(root))
    py = str(root / 'bin' / 'python')
    purelib = run([
        py, '-c', 'import sysconfig;'
        'print(sysconfig.get_paths()["purelib"])'
    ],
                  cwd=str(root)).stdout.strip()
    with open(osp.join(purelib, 'zz_deps.pth'), 'w') as f:
        f.write('\n'.join(site.getsitepackages()) + '\n')
    return py, purelib


def user_dir(tmp_path):
    """A user's project outside the repository: a config inheriting ours
    with ``mmseg_ext::``."""
    user = tmp_path / 'my_project'
    user.mkdir()
    (user / 'my_config.py').write_text(
        f"_base_ = ['{DEMO_BASE}']\n"
        'model = dict(decode_head=dict(num_classes=19))\n'
        'train_cfg = dict(max_iters=2, val_interval=2)\n')
    return user
