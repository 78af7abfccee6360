# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Tests of ``upstream.py``'s families, in mmseg's test layout.

A family names its test files and the folder each goes to
(``tests/test_models/test_heads`` ...). Test helpers they import keep their
place under ``tests/`` and the relative imports are recomputed; tests that
need code which is not written are dropped; each test file gets mmseg's
``init_default_scope('mmseg')`` (this repository's ``conftest.py`` does it
here).
"""
import ast
import os.path as osp
import re
from glob import glob
from typing import Dict, Set

from upstream_configs import rewrite_config
from upstream_package import (HEADER, PKG, UpstreamError, is_upstream_material,
                              prune_tests)


def write_tests(writer, index, root: str, patterns: Dict[str, str],
                modules: Set[str]) -> None:
    """Tests in mmseg's layout; tests that need unwritten code dropped.

    Args:
        writer (upstream.Writer): Collects the files.
        index (PackageIndex): The package.
        root (str): The repository root.
        patterns (dict): Glob of a test file -> its folder in mmseg.
        modules (set): The package files being written.
    """

    def dropped(dotted: str) -> bool:
        if dotted.split('.')[0] != PKG:
            return False
        rel = index.module_file(dotted)
        if rel is None:
            rel = index.module_file(dotted.rpartition('.')[0])
        return rel is None or not is_upstream_material(rel) or (
            not rel.endswith('__init__.py') and rel not in modules)

    seeds = {}  # repository test file -> its path in mmseg's layout
    for pattern, dest in patterns.items():
        paths = sorted(glob(osp.join(root, pattern), recursive=True))
        if not paths:
            raise UpstreamError(f'{writer.algo}: no test file matches '
                                f'{pattern}')
        for path in paths:
            rel = osp.relpath(path, root)
            seeds[rel] = f'{dest}/{osp.basename(rel)}'
    todo, done = list(seeds), set()
    while todo:
        rel = todo.pop()
        if rel in done:
            continue
        done.add(rel)
        # Helpers keep their place in tests/ (core form).
        dest = writer.dest(seeds.get(rel, rel))
        with open(osp.join(root, rel), encoding='utf-8') as f:
            text, _ = prune_tests(f.read(), dropped)

        def relink(match, rel=rel, dest=dest):
            dots, module = match.group(1), match.group(2)
            target = osp.normpath(
                osp.join(
                    osp.dirname(rel), *(['..'] * (len(dots) - 1)),
                    *module.split('.'))) + '.py'
            todo.append(target)
            where = writer.dest(seeds.get(target, target))
            return f'from {relative_module(dest, where)}'

        text = re.sub(
            r'^from (\.+)([\w.]+)(?= import)', relink, text, flags=re.M)
        text = rewrite_config(text, rel, {})  # plumbing types in dicts
        if osp.basename(rel).startswith('test_'):
            text = default_scope(text)
        writer.python(dest, text)
        folder = osp.dirname(dest)
        while folder.startswith('tests') or folder.endswith('/tests'):
            init = f'{folder}/__init__.py'
            if not osp.isfile(osp.join(writer.tree, init)):
                writer.files.setdefault(writer.dest(init), HEADER)
            folder = osp.dirname(folder)


def relative_module(src: str, target: str) -> str:
    """The relative import of file ``target`` from file ``src``."""
    here = osp.dirname(src).split('/')
    there = target[:-3].split('/')
    common = 0
    while (common < min(len(here),
                        len(there) - 1) and here[common] == there[common]):
        common += 1
    return '.' * (len(here) - common + 1) + '.'.join(there[common:])


def default_scope(text: str) -> str:
    """mmseg's test convention (the repository's conftest does it here):
    ``init_default_scope('mmseg')`` after the imports."""
    body = ast.parse(text).body
    last = max((n.end_lineno
                for n in body if isinstance(n, (ast.Import, ast.ImportFrom))),
               default=0)
    lines = text.splitlines(keepends=True)
    lines[last:last] = [
        'from mmengine.registry import init_default_scope\n', '\n',
        "init_default_scope('mmseg')\n"
    ]
    return ''.join(lines)
