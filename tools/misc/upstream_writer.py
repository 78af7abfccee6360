# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Writing files into an mmsegmentation tree: destinations in the core
or project form, mmseg's own imports and header, the tree's formatting,
registration in its ``__init__`` files, and only what changed."""
import ast
import os
import os.path as osp
import re
from typing import Dict, List

from upstream_package import HEADER, PKG, UpstreamError, rename_package


class Writer:
    """Collects the files of one family, formats them with the tree's
    settings and writes the ones whose content differs."""

    def __init__(self, tree: str, form: str, algo: str, index=None):
        self.tree, self.form, self.algo = tree, form, algo
        self.index = index
        self.files: Dict[str, str] = {}

    def dest(self, rel: str) -> str:
        """The path in the tree of a repository file (idempotent)."""
        rel = rename_package(rel)
        if self.form == 'core' or rel.startswith('projects/'):
            return rel
        # projects/<algo>/: modules in the folder of their kind
        # (decode_heads/, losses/, ...), configs/ with configs/_base_/,
        # tests/ flat, anything else under its own path.
        parts = rel.split('/')
        if parts[0] == 'mmseg':
            rel = '/'.join(parts[-2:])
        elif parts[0] == 'configs' and parts[1] != '_base_':
            rel = 'configs/' + parts[-1]
        elif parts[0] == 'tests':
            rel = 'tests/' + parts[-1]
        return f'projects/{self.algo}/{rel}'

    def dotted(self, match) -> str:
        """A dotted ``mmseg_ext`` name in the project form."""
        parts = match.group(0).split('.')
        for cut in range(len(parts), 0, -1):
            rel = self.index.module_file('.'.join(parts[:cut]))
            if rel is not None:
                path = self.dest(rel)[:-3]
                if rel.endswith('__init__.py') and path + '.py' not in (
                        self.files):  # re-exported by the project itself
                    path = f'projects/{self.algo}/__init__'
                path = path[:-len('/__init__')] if path.endswith(
                    '/__init__') else path
                return '.'.join(path.split('/') + parts[cut:])
        return match.group(0)

    def python(self, rel: str, text: str) -> None:
        if self.form == 'project':
            text = re.sub(rf'\b{PKG}(?:\.\w+)+', self.dotted, text)
        text = rename_package(text)
        text = re.sub(r'\A# Copyright[^\n]*\n', '', text)
        dest = self.dest(rel)
        if dest.startswith(f'projects/{self.algo}/tests/'):
            # pytest imports these as ``<algo>.tests.*`` (``projects/`` is
            # no package): the project's modules relatively, imported once.
            text = re.sub(
                rf'^from projects\.{self.algo}\.', 'from ..', text, flags=re.M)
            text = re.sub(
                rf'^from projects\.{self.algo} import',
                'from .. import',
                text,
                flags=re.M)
        if dest.startswith('mmseg/'):
            text = own_package_imports(text, dest, self.tree)
        self.files[dest] = HEADER + text

    def write(self) -> List[str]:
        changed = []
        for rel, text in sorted(self.files.items()):
            if rel.endswith('.py'):
                text = format_python(text, self.tree)
            if PKG in text:
                line = text[:text.index(PKG)].count('\n') + 1
                raise UpstreamError(f'{rel}:{line}: still names {PKG}')
            path = osp.join(self.tree, rel)
            if osp.isfile(path):
                with open(path, encoding='utf-8') as f:
                    if f.read() == text:
                        continue
            os.makedirs(osp.dirname(path), exist_ok=True)
            with open(path, 'w', encoding='utf-8') as f:
                f.write(text)
            changed.append(rel)
        return changed


def own_package_imports(text: str, dest: str, tree: str) -> str:
    """``from mmseg.datasets import X`` inside ``mmseg/datasets/`` would be
    a circular import once the module is registered in that ``__init__``:
    import ``X`` from the submodule that defines it instead."""
    parts = dest[:-3].split('/')
    packages = {'.'.join(parts[:i]) for i in range(1, len(parts))}
    lines = text.splitlines(keepends=True)
    for node in reversed(ast.parse(text).body):
        if not (isinstance(node, ast.ImportFrom) and node.level == 0
                and node.module in packages):
            continue
        init = osp.join(tree, *node.module.split('.'), '__init__.py')
        with open(init, encoding='utf-8') as f:
            where = {
                a.asname or a.name: sub.module
                for sub in ast.parse(f.read()).body
                if isinstance(sub, ast.ImportFrom) and sub.level == 1
                for a in sub.names
            }
        new = []
        for alias in node.names:
            if alias.name not in where:
                raise UpstreamError(f'{dest}: {alias.name} not found in '
                                    f'{node.module}/__init__.py')
            new.append(f'from {node.module}.{where[alias.name]} import '
                       f'{alias.name}\n')
        lines[node.lineno - 1:node.end_lineno] = new
    return ''.join(lines)


def format_python(text: str, tree: str) -> str:
    """isort, yapf and docformatter with mmseg's settings, as its
    pre-commit would (the versions in requirements/lint.txt)."""
    try:
        import docformatter
        import isort
        from yapf.yapflib.yapf_api import FormatCode
    except ImportError as exc:
        raise UpstreamError(
            f'{exc.name} is needed to format the written files: pip install '
            '-r requirements/lint.txt') from exc
    cfg = osp.join(tree, 'setup.cfg')
    text = isort.code(text, settings_path=tree)
    text = FormatCode(text, style_config=cfg)[0]
    return docformatter.format_code(
        text, summary_wrap_length=79, description_wrap_length=79)


def register_in_init(writer: Writer, tree: str, init: str, module: str,
                     names: List[str]) -> None:
    """Append ``from .<module> import <names>`` and ``__all__`` entries to
    the package ``__init__`` in the tree (or the one written already)."""
    init = writer.dest(init)
    path = osp.join(tree, init)
    text = writer.files.get(init)
    if text is None:
        text = HEADER
        if osp.isfile(path):
            with open(path, encoding='utf-8') as f:
                text = f.read()
    existing = [
        n for n in ast.parse(text).body if isinstance(n, ast.ImportFrom)
        and n.level == 1 and n.module == module
    ]
    if existing:  # merge into the package's own import of that module
        node = existing[0]
        have = [a.name for a in node.names]
        if set(names) - set(have):
            lines = text.splitlines(keepends=True)
            merged = have + [n for n in names if n not in have]
            lines[node.lineno - 1:node.end_lineno] = [
                f"from .{module} import ({', '.join(merged)})\n"
            ]
            text = ''.join(lines)
    else:
        # Into the sorted block: before an ``# isort: off`` section.
        head = text.split('# isort: off')[0]
        imports = list(
            re.finditer(r'^from \.[^\n(]*(?:\([^)]*\))?[^\n]*\n', head, re.M))
        at = imports[-1].end() if imports else len(head)
        text = (
            text[:at] + f"from .{module} import {', '.join(names)}\n" +
            text[at:])
    match = re.search(r'^__all__ = \[(.*?)\]', text, re.M | re.S)
    listed = re.findall(r"'([^']+)'", match.group(1)) if match else []
    missing = [n for n in names if n not in listed]
    if missing:
        new = ', '.join(repr(n) for n in listed + missing)
        if match:
            text = text[:match.start()] + f'__all__ = [{new}]' + text[match.
                                                                      end():]
        else:
            text = text.rstrip('\n') + f'\n\n__all__ = [{new}]\n'
    writer.files[init] = text
