# Copyright (c) mmseg_ext contributors. All rights reserved.
"""The package side of ``upstream.py``: which files a family needs.

Nothing here lists a family's files. Each family names a few registered
classes (or config files); the modules are the closure of the package's own
imports from those seeds, read with :mod:`ast`, so the tool follows files
that are added, moved or renamed. The same module rewrites a file's
``mmseg_ext`` names into mmseg's (the package mirrors mmseg's layout) and
prunes from a test file the tests that need code which is not upstream
material.
"""
import ast
import os.path as osp
import re
from glob import glob
from typing import Dict, Iterable, List, Optional, Set, Tuple

PKG = 'mmseg_ext'
HEADER = '# Copyright (c) OpenMMLab. All rights reserved.\n'
# Not upstream material: stack shims, and what exists only for this
# package's CPU demo, run plumbing and tooling. A family module that needs
# one of these is an error; a test that needs one is dropped.
NOT_UPSTREAM = (
    'mmseg_ext/compat/',
    'mmseg_ext/apis/',
    'mmseg_ext/engine/',
    'mmseg_ext/utils/',
    'mmseg_ext/visualization/',
    'mmseg_ext/datasets/demo_',
    'mmseg_ext/__init__.py',
    'mmseg_ext/registry.py',
    'mmseg_ext/version.py',
)


class UpstreamError(RuntimeError):
    """A family cannot be written; the message names file and reason."""


def is_upstream_material(rel: str) -> bool:
    return not any(rel.startswith(p) for p in NOT_UPSTREAM)


class PackageIndex:
    """The modules of ``mmseg_ext`` in a checkout: registrations, exports
    and intra-package imports, parsed (never imported).

    Args:
        root (str): The repository root (holding ``mmseg_ext/``).
    """

    def __init__(self, root: str):
        self.root = root
        self.trees: Dict[str, ast.Module] = {}
        for path in sorted(
                glob(osp.join(root, PKG, '**', '*.py'), recursive=True)):
            rel = osp.relpath(path, root).replace(osp.sep, '/')
            with open(path, encoding='utf-8') as f:
                self.trees[rel] = ast.parse(f.read(), rel)
        self.registered: Dict[str, str] = {}
        for rel, tree in self.trees.items():
            for name in registered_classes(tree):
                self.registered[name] = rel

    @staticmethod
    def dotted(rel: str) -> str:
        name = rel[:-3].replace('/', '.')
        return name[:-len('.__init__')] if name.endswith('.__init__') else name

    def module_file(self, dotted: str) -> Optional[str]:
        base = dotted.replace('.', '/')
        for rel in (base + '.py', base + '/__init__.py'):
            if rel in self.trees:
                return rel
        return None

    def resolve(self, rel: str, node: ast.ImportFrom) -> Optional[str]:
        """The absolute dotted module of ``from X import ...`` in ``rel``."""
        if node.level == 0:
            return node.module
        package = self.dotted(rel)
        if not rel.endswith('__init__.py'):
            package = package.rpartition('.')[0]
        for _ in range(node.level - 1):
            package = package.rpartition('.')[0]
        return f'{package}.{node.module}' if node.module else package

    def defining_file(self,
                      dotted: str,
                      name: str,
                      seen: Optional[Set[str]] = None) -> Optional[str]:
        """The file that defines ``name`` imported from package ``dotted``:
        follows the package ``__init__``'s own relative imports."""
        rel = self.module_file(f'{dotted}.{name}')
        if rel is not None:  # ``from pkg import submodule``
            return rel
        rel = self.module_file(dotted)
        if rel is None or not rel.endswith('__init__.py'):
            return rel
        seen = seen or set()
        if rel in seen:
            return None
        seen.add(rel)
        for node in self.trees[rel].body:
            if isinstance(node, ast.ImportFrom) and node.level:
                names = [a.asname or a.name for a in node.names]
                if name in names or '*' in names:
                    sub = self.resolve(rel, node)
                    found = self.defining_file(sub, name, seen)
                    if found and (name in names or found != rel):
                        return found
        return rel

    def imports(self, rel: str) -> Set[str]:
        """Package files that ``rel`` imports anywhere in its body."""
        deps = set()
        for node in ast.walk(self.trees[rel]):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split('.')[0] == PKG:
                        deps.add(self.module_file(alias.name) or alias.name)
            elif isinstance(node, ast.ImportFrom):
                dotted = self.resolve(rel, node)
                if not dotted or dotted.split('.')[0] != PKG:
                    continue
                for alias in node.names:
                    dep = self.defining_file(dotted, alias.name)
                    deps.add(dep or dotted)
        return deps

    def closure(self, seeds: Iterable[str]) -> List[str]:
        """Files needed by the seed files, the seeds included.

        Raises:
            UpstreamError: A needed module is not upstream material, or a
                name cannot be found in the package.
        """
        todo, done = list(seeds), set()
        while todo:
            rel = todo.pop()
            if rel in done:
                continue
            if rel not in self.trees:
                raise UpstreamError(f'{rel}: not a module of {PKG}')
            if not is_upstream_material(rel):
                raise UpstreamError(
                    f'{rel} is needed but is not upstream material '
                    f'(stack shims, demo or run plumbing: {NOT_UPSTREAM})')
            done.add(rel)
            for dep in self.imports(rel):
                if dep.endswith('__init__.py'):
                    continue  # names of a package re-export: resolved above
                todo.append(dep)
        return sorted(done)

    def exports(self, modules: Iterable[str]) -> Dict[str, Dict[str, list]]:
        """What each package ``__init__`` re-exports of the given modules.

        Returns:
            dict: ``__init__`` file -> {relative child: [names]}, for every
            ``from .child import names`` (``*`` expanded) of the package's
            ``__init__`` files whose names are defined in ``modules``, and
            each module's registered classes (which must be imported to be
            registered).
        """
        modules = set(modules)
        out: Dict[str, Dict[str, list]] = {}

        def add(init, child, names):
            entry = out.setdefault(init, {}).setdefault(child, [])
            entry += [n for n in names if n not in entry]

        for rel in sorted(modules):
            init = rel.rpartition('/')[0] + '/__init__.py'
            add(init,
                osp.basename(rel)[:-3], registered_classes(self.trees[rel]))
        for init, tree in self.trees.items():
            if not init.endswith('__init__.py') or not is_upstream_material(
                    init):
                continue
            package = self.dotted(init)
            for node in tree.body:
                if not (isinstance(node, ast.ImportFrom) and node.level == 1
                        and node.module):
                    continue
                names = [a.asname or a.name for a in node.names]
                if names == ['*']:
                    child = self.module_file(f'{package}.{node.module}')
                    names = [
                        n for sub in self.trees[child].body
                        if isinstance(sub, ast.ImportFrom)
                        for n in (a.asname or a.name for a in sub.names)
                    ] if child else []
                keep = [
                    n for n in names if self.defining_file(
                        f'{package}.{node.module}', n) in modules
                ]
                if keep:
                    add(init, node.module, keep)
        return {k: v for k, v in out.items() if any(v.values())}


def registered_classes(tree: ast.Module) -> List[str]:
    """Classes decorated with ``@<REGISTRY>.register_module()``."""
    names = []
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            for dec in node.decorator_list:
                func = dec.func if isinstance(dec, ast.Call) else dec
                if getattr(func, 'attr', '') == 'register_module':
                    names.append(node.name)
    return names


def rename_package(text: str) -> str:
    """``mmseg_ext`` dotted and path names to mmseg's (same layout)."""
    return re.sub(r'\bmmseg_ext([./]|::)', r'mmseg\1', text)


# ---------------------------------------------------------------- tests
def prune_tests(source: str, dropped_module: 'callable') -> Tuple[str, list]:
    """Drop the top-level definitions of a test file that need a module
    ``dropped_module(dotted)`` says is not written, and everything that
    uses them; then the imports nothing uses any more.

    Returns:
        tuple: The new source and the names of the dropped definitions.
    """
    tree = ast.parse(source)
    tainted: Set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)) and _bad_import(
                node, dropped_module):
            tainted.update(
                a.asname or a.name.split('.')[0] for a in node.names)
    defs = [
        n for n in tree.body
        if isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))
    ]
    changed = True
    while changed:
        changed = False
        for node in defs:
            if node.name in tainted:
                continue
            bad = any(
                isinstance(sub, (ast.Import, ast.ImportFrom))
                and _bad_import(sub, dropped_module)
                for sub in ast.walk(node)) or any(
                    isinstance(sub, ast.Name) and sub.id in tainted
                    for sub in ast.walk(node))
            if bad:
                tainted.add(node.name)
                changed = True
    dropped = [n for n in defs if n.name in tainted]
    lines = source.splitlines(keepends=True)
    spans = [(min([n.lineno] + [d.lineno
                                for d in n.decorator_list]) - 1, n.end_lineno)
             for n in dropped]
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)) and _bad_import(
                node, dropped_module):
            spans.append((node.lineno - 1, node.end_lineno))
    for start, end in sorted(spans, reverse=True):
        del lines[start:end]
    source = ''.join(lines)
    return _drop_unused_imports(source), [n.name for n in dropped]


def _bad_import(node, dropped_module) -> bool:
    if isinstance(node, ast.Import):
        return any(dropped_module(a.name) for a in node.names)
    if node.level == 0 and node.module:
        return any(
            dropped_module(f'{node.module}.{a.name}')
            or dropped_module(node.module) for a in node.names)
    return False


def _drop_unused_imports(source: str) -> str:
    tree = ast.parse(source)
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    used |= {
        n.value.id
        for n in ast.walk(tree)
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
    }
    lines = source.splitlines(keepends=True)
    for node in reversed(tree.body):
        if not isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        if isinstance(node, ast.ImportFrom) and node.module == '__future__':
            continue
        keep = [
            a for a in node.names if (a.asname or a.name.split('.')[0]) in used
        ]
        if len(keep) == len(node.names):
            continue
        new = []
        if keep:
            names = ', '.join(a.name + (f' as {a.asname}' if a.asname else '')
                              for a in keep)
            if isinstance(node, ast.Import):
                new = [f'import {names}\n']
            else:
                new = [
                    f"from {'.' * node.level}{node.module or ''} "
                    f'import {names}\n'
                ]
        lines[node.lineno - 1:node.end_lineno] = new
    return ''.join(lines)
