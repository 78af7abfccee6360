# Copyright (c) mmseg_ext contributors. All rights reserved.
"""A checkout-shaped mmsegmentation 1.2.2 tree from its sdist, and runs of
Python on it with only that tree's ``mmseg`` (``mmseg_ext`` not imported)."""
import os
import os.path as osp
import shutil
import subprocess
import sys
import tarfile
from typing import List

import cv2
import numpy as np

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SDIST = 'mmsegmentation-1.2.2.tar.gz'
CACHE_ENV = 'MMSEG_EXT_CACHE'
# Loads the package's standard-library import hook by file path, so mmseg
# on mmcv-lite gets its ``mmcv.ops`` stand-in without importing mmseg_ext.
SITECUSTOMIZE = f"""\
import importlib.util as u
s = u.spec_from_file_location(
    '_upstream_import_hook',
    {osp.join(ROOT, 'mmseg_ext', 'compat', 'import_hook.py')!r})
h = u.module_from_spec(s)
s.loader.exec_module(h)
h.activate()
"""


def cached_sdist() -> str:
    """The mmsegmentation 1.2.2 sdist, downloaded once with pip."""
    cache = os.environ.get(CACHE_ENV) or osp.expanduser('~/.cache/mmseg_ext')
    path = osp.join(cache, SDIST)
    if not osp.isfile(path):
        os.makedirs(cache, exist_ok=True)
        subprocess.run([
            sys.executable, '-m', 'pip', 'download', 'mmsegmentation==1.2.2',
            '--no-binary', ':all:', '--no-deps', '-d', cache
        ],
                       check=True,
                       timeout=600)
    return path


def make_tree(dest: str) -> str:
    """Unpack the sdist; move ``mmseg/.mim/`` contents to the top."""
    with tarfile.open(cached_sdist()) as tar:
        tar.extractall(dest, filter='data')
    tree = osp.join(dest, 'mmsegmentation-1.2.2')
    mim = osp.join(tree, 'mmseg', '.mim')
    for name in ('configs', 'tools', 'model-index.yml'):
        shutil.move(osp.join(mim, name), osp.join(tree, name))
    shutil.rmtree(mim)
    hook = osp.join(dest, 'hook')
    os.makedirs(hook)
    with open(osp.join(hook, 'sitecustomize.py'), 'w') as f:
        f.write(SITECUSTOMIZE)
    return tree


def run_in_tree(tree: str, args: List[str], timeout: int = 600):
    """Run ``python ARGS`` in the tree with only its ``mmseg`` on the path
    (and the hook's folder); the repository is not on the path."""
    env = dict(os.environ, OMP_NUM_THREADS='1')
    env['PYTHONPATH'] = os.pathsep.join(
        [tree, osp.join(osp.dirname(tree), 'hook')])
    env['MMSEG_EXT_NO_IMPORT_HOOK'] = '0'
    return subprocess.run(
        [sys.executable] + args,
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout)


def tiny_cityscapes(root: str, size=(64, 128), n: int = 2) -> None:
    """``n`` random frames per split in Cityscapes' layout."""
    rng = np.random.default_rng(0)
    for split in ('train', 'val'):
        img_dir = osp.join(root, 'leftImg8bit', split, 'city')
        ann_dir = osp.join(root, 'gtFine', split, 'city')
        os.makedirs(img_dir)
        os.makedirs(ann_dir)
        for i in range(n):
            img = rng.integers(0, 255, size + (3, ), dtype=np.uint8)
            ann = rng.integers(0, 19, size, dtype=np.uint8)
            cv2.imwrite(osp.join(img_dir, f'c_{i}_leftImg8bit.png'), img)
            cv2.imwrite(
                osp.join(ann_dir, f'c_{i}_gtFine_labelTrainIds.png'), ann)
