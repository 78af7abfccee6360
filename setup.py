# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Install mmseg_ext.

mmcv: a user's full mmcv (with compiled ops) is never replaced. ``mmcv-lite``
is required only when no ``mmcv`` distribution is installed in the target
environment. The check reads the installed distributions of the target
interpreter's site directories, so it also works inside pip's isolated build
environment (which hides them from ``sys.path``).
"""
import os.path as osp
import site
import sys
from importlib import metadata
from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))


def read_requirements(name):
    with open(osp.join(HERE, 'requirements', name)) as f:
        return [
            line.split('#')[0].strip() for line in f
            if line.split('#')[0].strip()
        ]


def installed_mmcv(paths=None):
    """Name of the installed mmcv distribution ('mmcv', 'mmcv-lite') or None.

    Args:
        paths (list[str], optional): Site directories to search. Defaults to
            the interpreter's site-packages (also those pip's isolated build
            removes from ``sys.path``) plus ``sys.path``.
    """
    if paths is None:
        paths = list(site.getsitepackages())
        if site.ENABLE_USER_SITE:
            paths.append(site.getusersitepackages())
        paths += sys.path
    found = set()
    for dist in metadata.distributions(path=[p for p in paths if p]):
        name = (dist.metadata['Name'] or '').lower().replace('_', '-')
        if name in ('mmcv', 'mmcv-full', 'mmcv-lite'):
            found.add(name)
    for name in ('mmcv', 'mmcv-full', 'mmcv-lite'):
        if name in found:
            return name
    return None


def install_requires():
    reqs = read_requirements('runtime.txt')
    if installed_mmcv() in (None, 'mmcv-lite'):
        reqs.append('mmcv-lite==2.1.0')
    return reqs


def get_version():
    scope = {}
    with open(osp.join(HERE, 'mmseg_ext', 'version.py')) as f:
        exec(f.read(), scope)
    return scope['__version__']


if __name__ == '__main__':
    setup(
        name='mmseg_ext',
        version=get_version(),
        description='PSPNet variants, RefineNet and Gated-SCNN for '
        'MMSegmentation 1.x',
        long_description=open(osp.join(HERE, 'README.md')).read(),
        long_description_content_type='text/markdown',
        license='Apache License 2.0',
        python_requires='>=3.8',
        packages=find_packages(exclude=('configs', 'tools', 'tests')),
        include_package_data=True,
        install_requires=install_requires(),
        extras_require={'tests': read_requirements('tests.txt')},
        classifiers=[
            'License :: OSI Approved :: Apache Software License',
            'Programming Language :: Python :: 3',
            'Topic :: Scientific/Engineering :: Image Recognition',
        ],
        zip_safe=False)
