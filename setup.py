# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Install mmseg_ext without breaking the environment it goes into.

* mmcv: a user's full mmcv (with compiled ops) is never replaced;
  ``mmcv-lite`` is required only when no ``mmcv`` distribution is installed.
* numpy: torch wheels older than :data:`TORCH_NUMPY2_MIN` were compiled
  against numpy 1 (``torch.from_numpy`` then fails with ``Numpy is not
  available`` under numpy 2), so with such a torch installed ``numpy<2`` is
  required. That also keeps pip's resolver on an opencv release that accepts
  numpy 1 (opencv-python(-headless) 4.12+ and 5.x require numpy 2).
* Both checks read the distributions installed in the target interpreter's
  site directories, so they also work inside pip's isolated build
  environment (which hides them from ``sys.path``).

OpenMMLab packaging: the wheel ships ``configs/``, ``tools/``, ``demo/`` and
``model-index.yml`` as ``mmseg_ext/.mim/...`` (as mmseg does), so
``_base_ = ['mmseg_ext::...']`` and ``mim`` find them, plus
``mmseg_ext-import-hook.pth`` (see ``mmseg_ext/compat/import_hook.py``).
An editable install (``pip install -e .``) links ``mmseg_ext/.mim/...`` in
the checkout to the same folders and installs the same ``.pth``.
"""
import os
import os.path as osp
import shutil
import site
import sys
from importlib import metadata
from setuptools import find_packages, setup
from setuptools.command.build_py import build_py
from setuptools.command.develop import develop

HERE = osp.dirname(osp.abspath(__file__))
#: First torch release whose wheels accept numpy 2 (measured: see
#: docs/compatibility.md).
TORCH_NUMPY2_MIN = (2, 3)
#: What ``mmseg_ext/.mim`` holds, relative to the repository root.
MIM_ITEMS = ('configs', 'tools', 'demo', 'model-index.yml')
PTH_NAME = 'mmseg_ext-import-hook.pth'
PTH_LINE = ('import sys; exec("try:\\n import importlib.util as u, os\\n'
            ' p = u.find_spec(\'mmseg_ext\')\\n'
            ' s = u.spec_from_file_location(\'_mmseg_ext_import_hook\', '
            'os.path.join(os.path.dirname(p.origin), \'compat\', '
            '\'import_hook.py\'))\\n'
            ' h = u.module_from_spec(s)\\n s.loader.exec_module(h)\\n'
            ' h._activate_from_pth()\\nexcept Exception:\\n pass")\n')


def read_requirements(name):
    with open(osp.join(HERE, 'requirements', name)) as f:
        return [
            line.split('#')[0].strip() for line in f
            if line.split('#')[0].strip()
        ]


def _site_paths(paths=None):
    if paths is not None:
        return paths
    paths = list(site.getsitepackages())
    if site.ENABLE_USER_SITE:
        paths.append(site.getusersitepackages())
    return [p for p in paths + sys.path if p]


def installed_versions(paths=None):
    """``{normalised name: version}`` of the distributions in ``paths``.

    Args:
        paths (list[str], optional): Site directories to search. Defaults to
            the interpreter's site-packages (also those pip's isolated build
            removes from ``sys.path``) plus ``sys.path``.
    """
    found = {}
    for dist in metadata.distributions(path=_site_paths(paths)):
        name = (dist.metadata['Name'] or '').lower().replace('_', '-')
        found.setdefault(name, dist.version)
    return found


def installed_mmcv(paths=None, found=None):
    """Name of the installed mmcv distribution ('mmcv', 'mmcv-lite') or None.

    Args:
        found (dict, optional): :func:`installed_versions` already read.
    """
    found = installed_versions(paths) if found is None else found
    for name in ('mmcv', 'mmcv-full', 'mmcv-lite'):
        if name in found:
            return name
    return None


def _release(version):
    parts = []
    for piece in version.split('+')[0].split('.')[:2]:
        digits = ''.join(c for c in piece if c.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


def torch_needs_numpy1(paths=None, found=None):
    """Whether the installed torch was built against numpy 1."""
    found = installed_versions(paths) if found is None else found
    version = found.get('torch')
    return version is not None and _release(version) < TORCH_NUMPY2_MIN


def install_requires(paths=None):
    reqs = read_requirements('runtime.txt')
    found = installed_versions(paths)  # read the site directories once
    if installed_mmcv(found=found) in (None, 'mmcv-lite'):
        reqs.append('mmcv-lite==2.1.0')
    if torch_needs_numpy1(found=found):
        reqs = [r for r in reqs if not r.startswith('numpy')]
        reqs.append('numpy<2')
    return reqs


def get_version():
    scope = {}
    with open(osp.join(HERE, 'mmseg_ext', 'version.py')) as f:
        exec(f.read(), scope)
    return scope['__version__']


def _copy_item(src, dst):
    if osp.isdir(src):
        shutil.copytree(
            src,
            dst,
            ignore=shutil.ignore_patterns('__pycache__', '*.pyc'),
            dirs_exist_ok=True)
    else:
        os.makedirs(osp.dirname(dst), exist_ok=True)
        shutil.copyfile(src, dst)


def link_mim_items(package_dir):
    """Editable installs: ``mmseg_ext/.mim/<item>`` links to the repo's."""
    mim = osp.join(package_dir, '.mim')
    os.makedirs(mim, exist_ok=True)
    for item in MIM_ITEMS:
        src, dst = osp.join(HERE, item), osp.join(mim, item)
        if not osp.exists(src) or osp.lexists(dst):
            continue
        os.symlink(osp.relpath(src, mim), dst)


class BuildPyWithMim(build_py):
    """Also puts ``.mim/{configs,tools,demo,model-index.yml}`` into the
    built package and the import-hook ``.pth`` next to it."""

    def run(self):
        super().run()
        if self.editable_mode:
            link_mim_items(osp.join(HERE, 'mmseg_ext'))
            write_pth(editable_wheel_root(self.distribution))
            return
        mim = osp.join(self.build_lib, 'mmseg_ext', '.mim')
        for item in MIM_ITEMS:
            src = osp.join(HERE, item)
            if osp.exists(src):
                _copy_item(src, osp.join(mim, item))
        write_pth(self.build_lib)

    def get_outputs(self, include_bytecode=1):
        outputs = super().get_outputs(include_bytecode)
        if not self.editable_mode:
            outputs.append(osp.join(self.build_lib, PTH_NAME))
        return outputs


class DevelopWithMim(develop):
    """Legacy editable installs (``setup.py develop``: pip without PEP 660
    support, or ``--no-build-isolation`` with setuptools < 64): the same
    ``.mim`` links and import-hook ``.pth`` as :class:`BuildPyWithMim`."""

    def run(self):
        super().run()
        if not self.uninstall:
            link_mim_items(osp.join(HERE, 'mmseg_ext'))
            write_pth(self.install_dir)


def write_pth(folder):
    """The import-hook ``.pth`` at the top of ``folder`` (what becomes
    site-packages)."""
    with open(osp.join(folder, PTH_NAME), 'w') as f:
        f.write(PTH_LINE)


def editable_wheel_root(distribution):
    """The top of the wheel that ``pip install -e .`` builds (PEP 660).

    setuptools' ``editable_wheel`` points ``install_lib`` at the unpacked
    wheel, whose every file lands in site-packages; its package folders
    stay in the checkout. A ``.pth`` written there is installed like the
    regular wheel's.
    """
    install = distribution.get_command_obj('install')
    root = getattr(install, 'install_lib', None)
    if not root or not osp.isdir(root):
        raise RuntimeError(
            'mmseg_ext: cannot find where `pip install -e .` builds its '
            f'wheel (install_lib={root!r}) to put {PTH_NAME} there; '
            'install with `pip install .`, or use setuptools>=64')
    return root


if __name__ == '__main__':
    setup(
        name='mmseg_ext',
        version=get_version(),
        description='PSPNet variants, RefineNet and Gated-SCNN for '
        'MMSegmentation 1.x',
        long_description=open(osp.join(HERE, 'README.md')).read(),
        long_description_content_type='text/markdown',
        license='Apache-2.0',
        python_requires='>=3.8',
        packages=find_packages(include=('mmseg_ext', 'mmseg_ext.*')),
        include_package_data=False,
        install_requires=install_requires(),
        extras_require={'tests': read_requirements('tests.txt')},
        cmdclass={
            'build_py': BuildPyWithMim,
            'develop': DevelopWithMim
        },
        classifiers=[
            'Programming Language :: Python :: 3',
            'Topic :: Scientific/Engineering :: Image Recognition',
        ],
        zip_safe=False)
