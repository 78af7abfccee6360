# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Write the synthetic demo dataset in the Cityscapes folder layout.

Layout (read unchanged by mmseg's ``CityscapesDataset``)::

    ROOT/leftImg8bit/{train,val}/<city>/<city>_<seq>_<frame>_leftImg8bit.png
    ROOT/gtFine/{train,val}/<city>/<city>_<seq>_<frame>_gtFine_labelTrainIds.png
    ROOT/.mmseg_ext_demo.json       # manifest: parameters and file list

Each image is rendered from its own generator seeded by
``(seed, split, index)``, so the bytes do not depend on the number of worker
processes. The writer only ever touches a folder that is empty, missing, or
holds nothing but its own earlier output (checked against the manifest).
"""
import json
import os
import os.path as osp
import shutil
import tempfile
from multiprocessing import get_context
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

from .scene import render_scene

MANIFEST = '.mmseg_ext_demo.json'
GENERATOR_VERSION = 1
CITIES = {
    'train': ('synthberg', 'pixelstadt', 'gridmont'),
    'val': ('valbourg', )
}
_SPLIT_ID = {'train': 0, 'val': 1}


class DemoDataError(RuntimeError):
    """The target folder cannot hold the demo data (foreign content)."""


def _params(seed: int, num_train: int, num_val: int, size: Tuple[int,
                                                                 int]) -> Dict:
    return dict(
        generator='mmseg_ext.demo_cityscapes',
        version=GENERATOR_VERSION,
        seed=int(seed),
        num_train=int(num_train),
        num_val=int(num_val),
        size=[int(size[0]), int(size[1])])


def _file_names(split: str, index: int) -> Tuple[str, str]:
    cities = CITIES[split]
    city = cities[index % len(cities)]
    stem = f'{city}_{index // len(cities):06d}_000019'
    return (f'leftImg8bit/{split}/{city}/{stem}_leftImg8bit.png',
            f'gtFine/{split}/{city}/{stem}_gtFine_labelTrainIds.png')


def _render_one(job) -> List[str]:
    root, seed, split, index, size = job
    rng = np.random.default_rng([seed, _SPLIT_ID[split], index])
    scene = render_scene(rng, size)
    names = _file_names(split, index)
    for rel, arr in zip(names, (scene['img'], scene['label'])):
        path = osp.join(root, rel)
        os.makedirs(osp.dirname(path), exist_ok=True)
        if not cv2.imwrite(path, arr, [cv2.IMWRITE_PNG_COMPRESSION, 3]):
            raise OSError(f'could not write {path}')
    return list(names)


def read_manifest(root: str) -> Optional[Dict]:
    """Return the manifest of a demo-data folder, or None if there is none."""
    path = osp.join(root, MANIFEST)
    if not osp.isfile(path):
        return None
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def _is_complete(root: str, manifest: Optional[Dict], params: Dict) -> bool:
    if not manifest or not manifest.get('complete'):
        return False
    if {k: manifest.get(k) for k in params} != params:
        return False
    return all(osp.isfile(osp.join(root, f)) for f in manifest['files'])


def _foreign_entries(root: str, manifest: Optional[Dict]) -> List[str]:
    """Paths under ``root`` that the generator did not write."""
    own = set(manifest['files']) if manifest else set()
    own.add(MANIFEST)
    foreign = []
    for dirpath, _, files in os.walk(root):
        for name in files:
            rel = osp.relpath(osp.join(dirpath, name), root)
            if rel not in own:
                foreign.append(rel)
    return sorted(foreign)


def generate_demo_cityscapes(root: str,
                             seed: int = 0,
                             num_train: int = 300,
                             num_val: int = 60,
                             size: Sequence[int] = (256, 512),
                             workers: Optional[int] = None,
                             verbose: bool = False) -> str:
    """Generate the demo dataset into ``root`` (idempotent).

    Args:
        root (str): Target folder. Missing, empty, or holding a previous
            output of this generator.
        seed (int): Dataset seed; equal seeds give byte-identical files.
        num_train (int): Number of training images.
        num_val (int): Number of validation images.
        size (Sequence[int]): Image (H, W).
        workers (int, optional): Worker processes; defaults to the CPU count.
        verbose (bool): Print progress.

    Returns:
        str: ``root``.

    Raises:
        DemoDataError: If ``root`` holds files the generator did not write.
    """
    root = osp.abspath(osp.expanduser(root))
    size = (int(size[0]), int(size[1]))
    params = _params(seed, num_train, num_val, size)
    manifest = read_manifest(root)
    if osp.exists(root):
        if not osp.isdir(root):
            raise DemoDataError(f'{root} exists and is not a folder.')
        if _is_complete(root, manifest, params):
            return root
        foreign = _foreign_entries(root, manifest)
        if foreign:
            raise DemoDataError(
                f'Refusing to write demo data into {root}: it holds '
                f'{len(foreign)} file(s) that the demo generator did not '
                f'write (e.g. {foreign[:3]}). Choose an empty or new folder.')
    parent = osp.dirname(root)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix='.demo_tmp_', dir=parent)
    try:
        jobs = [(tmp, seed, split, i, size)
                for split, n in (('train', num_train), ('val', num_val))
                for i in range(n)]
        workers = workers or min(len(jobs), os.cpu_count() or 1)
        if workers > 1:
            with get_context('spawn').Pool(workers) as pool:
                files = pool.map(_render_one, jobs, chunksize=8)
        else:
            files = [_render_one(j) for j in jobs]
        manifest_new = dict(
            params, complete=True, files=[f for pair in files for f in pair])
        with open(osp.join(tmp, MANIFEST), 'w') as f:
            json.dump(manifest_new, f, indent=1)
        if osp.exists(root):
            # Only our own (stale) output is here, checked above.
            shutil.rmtree(root)
        try:
            os.rename(tmp, root)
        except OSError:
            # Another process (e.g. another DDP rank) finished first.
            if not _is_complete(root, read_manifest(root), params):
                raise
    finally:
        if osp.isdir(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
    if verbose:
        print(f'demo data: {num_train} train + {num_val} val images '
              f'{size[0]}x{size[1]} written to {root}')
    return root
