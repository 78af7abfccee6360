# Copyright (c) mmseg_ext contributors. All rights reserved.
"""setup.py: mmcv-lite only when no mmcv is installed; torch unpinned."""

from .tiny_runs import load_script


def _setup_module():
    return load_script('setup.py')  # guarded by __name__: no setup() call


def _fake_site(tmp_path, dist_name):
    site = tmp_path / dist_name
    info = site / f'{dist_name.replace("-", "_")}-2.1.0.dist-info'
    info.mkdir(parents=True)
    (info / 'METADATA').write_text(
        f'Metadata-Version: 2.1\nName: {dist_name}\nVersion: 2.1.0\n')
    return str(site)


def test_detects_installed_mmcv_flavour(tmp_path):
    setup = _setup_module()
    assert setup.installed_mmcv([_fake_site(tmp_path, 'mmcv')]) == 'mmcv'
    assert setup.installed_mmcv([_fake_site(tmp_path,
                                            'mmcv-lite')]) == 'mmcv-lite'
    empty = tmp_path / 'empty'
    empty.mkdir()
    assert setup.installed_mmcv([str(empty)]) is None


def test_requirements(monkeypatch):
    setup = _setup_module()
    monkeypatch.setattr(setup, 'installed_mmcv', lambda paths=None: 'mmcv')
    with_full = setup.install_requires()
    assert not any(r.startswith('mmcv') for r in with_full)
    monkeypatch.setattr(setup, 'installed_mmcv', lambda paths=None: None)
    reqs = setup.install_requires()
    assert 'mmcv-lite==2.1.0' in reqs
    names = {r.split('<')[0].split('>')[0].split('=')[0] for r in reqs}
    assert {
        'mmengine', 'mmsegmentation', 'ftfy', 'regex', 'numpy',
        'opencv-python-headless', 'setuptools', 'torch'
    } <= names
    torch_req = [r for r in reqs if r.startswith('torch')][0]
    assert '+' not in torch_req and '==' not in torch_req
    assert 'setuptools<82' in reqs
