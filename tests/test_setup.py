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
    monkeypatch.setattr(setup, 'installed_mmcv', lambda **kw: 'mmcv')
    with_full = setup.install_requires()
    assert not any(r.startswith('mmcv') for r in with_full)
    monkeypatch.setattr(setup, 'installed_mmcv', lambda **kw: None)
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


def _fake_dist(site, name, version):
    info = site / f'{name.replace("-", "_")}-{version}.dist-info'
    info.mkdir(parents=True)
    (info / 'METADATA'
     ).write_text(f'Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n')


def test_numpy1_kept_under_a_torch_built_for_numpy1(tmp_path):
    """torch < 2.3 wheels link numpy 1's C API: installing must not bring
    numpy 2 (nor an opencv that needs it) into such an environment."""
    setup = _setup_module()
    for torch_version, expect_cap in (('2.0.1', True), ('2.1.2', True),
                                      ('2.2.2+cu121', True), ('2.3.0', False),
                                      ('2.13.0+cpu', False)):
        site = tmp_path / torch_version
        _fake_dist(site, 'torch', torch_version)
        _fake_dist(site, 'mmcv', '2.1.0')
        reqs = setup.install_requires([str(site)])
        numpy_reqs = [r for r in reqs if r.startswith('numpy')]
        assert numpy_reqs == (['numpy<2'] if expect_cap else
                              ['numpy']), (torch_version, numpy_reqs)
        assert not any(r.startswith('mmcv') for r in reqs)
    # No torch yet: pip installs a current torch, which accepts numpy 2.
    empty = tmp_path / 'none'
    empty.mkdir()
    assert 'numpy' in setup.install_requires([str(empty)])
