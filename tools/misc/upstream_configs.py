# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Configs, README and metafile of ``upstream.py``, in mmseg's layout.

Configs keep their ``_base_`` structure: ``mmseg::X`` becomes mmseg's own
``../X``; a base of this package that only adds run plumbing (safety hooks,
``custom_imports``, a visualizer) is replaced by the mmseg base it wraps;
other bases are written beside mmseg's. Package-only types become mmseg's
equivalent or are dropped (``PLUMBING_TYPES``).
"""
import ast
import copy
import os.path as osp
import re
from typing import Dict, List, Optional, Set, Tuple

import yaml

from upstream_package import UpstreamError, rename_package

# Types of this package's run plumbing: mmseg's equivalent, or None (drop).
PLUMBING_TYPES = {
    'AtomicCheckpointHook': 'CheckpointHook',
    'LoadCheckedAnnotations': 'LoadAnnotations',
    'SideBySideSegVisualizer': 'SegLocalVisualizer',
    'CheckSegMap': None,
    'ModelDataCheckHook': None,
    'NonFiniteLossHook': None,
    'IterationSeedHook': None,
    'EdgeMapWriterHook': None,
}
PLUMBING_KEYS = {
    'custom_imports', 'custom_hooks', 'default_hooks', 'visualizer', '_base_'
}


def config_bases(text: str, path: str) -> List[str]:
    for node in ast.parse(text, path).body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and getattr(node.targets[0], 'id', '') == '_base_'):
            value = ast.literal_eval(node.value)
            return [value] if isinstance(value, str) else list(value)
    return []


def config_types(text: str) -> Set[str]:
    """Every string constant of a config: types may be given through
    variables (``dataset_type = 'X'``)."""
    return {
        n.value
        for n in ast.walk(ast.parse(text))
        if isinstance(n, ast.Constant) and isinstance(n.value, str)
    }


class ConfigWriter:
    """Maps config files of the repository to their text in an mmseg tree.

    Args:
        root (str): The repository root.
        tree (str): The mmseg checkout.
    """

    def __init__(self, root: str, tree: str, dest=None):
        self.root, self.tree = root, tree
        self.dest = dest or (lambda rel: rel)  # repository -> tree path
        self.out: Dict[str, str] = {}  # repository path -> text

    def _read(self, rel: str) -> str:
        with open(osp.join(self.root, rel), encoding='utf-8') as f:
            return f.read()

    def wrapped_mmseg_base(self, rel: str) -> Optional[str]:
        """The mmseg base a plumbing-only base of ours wraps, if it is one."""
        text = self._read(rel)
        keys = {
            t.id
            for n in ast.parse(text).body if isinstance(n, ast.Assign)
            for t in n.targets if isinstance(t, ast.Name)
        }
        if not keys <= PLUMBING_KEYS:
            return None
        for base in config_bases(text, rel):
            if base.startswith('mmseg::'):
                return 'configs/' + base[len('mmseg::'):]
            target = osp.normpath(osp.join(osp.dirname(rel), base))
            found = self.wrapped_mmseg_base(target)
            if found:
                return found
        return None

    def add(self, rel: str) -> str:
        """Rewrite config ``rel`` (and its bases); return its tree path."""
        text = self._read(rel)
        new_bases = []
        for base in config_bases(text, rel):
            if base.startswith('mmseg::'):
                target = 'configs/' + base[len('mmseg::'):]
                if not osp.isfile(osp.join(self.tree, target)):
                    raise UpstreamError(
                        f'{rel}: base {base} is not in the mmseg tree')
            elif '::' in base and not base.startswith('mmseg_ext::'):
                raise UpstreamError(f'{rel}: base {base} of another package')
            else:
                ours = ('configs/' + base[len('mmseg_ext::'):]
                        if base.startswith('mmseg_ext::') else osp.normpath(
                            osp.join(osp.dirname(rel), base)))
                target = self.wrapped_mmseg_base(ours)
                target = target or self.dest(self.add(ours))
            rel_base = osp.relpath(target, osp.dirname(self.dest(rel)))
            if not rel_base.startswith('.'):
                rel_base = './' + rel_base
            new_bases.append((base, rel_base))
        self.out[rel] = rename_package(
            rewrite_config(text, rel, dict(new_bases)))
        return rel


def rewrite_config(text: str, rel: str, bases: Dict[str, str]) -> str:
    """Apply base paths and plumbing-type rules to one config's text."""
    tree = ast.parse(text, rel)
    edits: List[Tuple[int, int, str]] = []  # (start, end) offsets -> text
    offsets = _line_offsets(text)

    def span(node):
        return (offsets[node.lineno - 1] + node.col_offset,
                offsets[node.end_lineno - 1] + node.end_col_offset)

    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and node.value in bases:
            start, end = span(node)
            edits.append((start, end, repr(bases[node.value])))
        if isinstance(node, ast.List):
            for elt in node.elts:
                if _call_type(elt) in PLUMBING_TYPES and PLUMBING_TYPES[
                        _call_type(elt)] is None:
                    start, end = span(elt)
                    rest = text[end:]
                    comma = re.match(r'\s*,', rest)
                    edits.append(
                        (start, end + (comma.end() if comma else 0), ''))
    for node in tree.body:
        if (isinstance(node, ast.Assign)
                and getattr(node.targets[0], 'id', '') == 'custom_imports'):
            start, end = span(node)
            edits.append((offsets[node.lineno - 1], end + 1, ''))
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    for old, new in PLUMBING_TYPES.items():
        if new:
            text = text.replace(f"type='{old}'", f"type='{new}'")
    # The custom hooks of this package's bases are all plumbing (dropped,
    # and their plumbing-only bases replaced by mmseg's), so a config that
    # extends them extends nothing.
    text = text.replace('_base_.custom_hooks + ', '')
    return re.sub(r'^custom_hooks = \[\s*\]\n', '', text, flags=re.M)


def _call_type(node) -> Optional[str]:
    if isinstance(node, ast.Call) and getattr(node.func, 'id', '') == 'dict':
        for kw in node.keywords:
            if kw.arg == 'type' and isinstance(kw.value, ast.Constant):
                return kw.value.value
    return None


def _line_offsets(text: str) -> List[int]:
    offsets, pos = [], 0
    for line in text.splitlines(keepends=True):
        offsets.append(pos)
        pos += len(line)
    offsets.append(pos)
    return offsets


# ------------------------------------------------------------ README, meta
def markdown_sections(text: str) -> Tuple[str, Dict[str, str]]:
    """The preamble and the ``## `` sections (with subsections) of a
    markdown file, keyed by heading."""
    parts = re.split(r'^## (.+)\n', text, flags=re.M)
    return parts[0], {
        parts[i].strip(): parts[i + 1]
        for i in range(1, len(parts), 2)
    }


def clean_markdown(text: str, exists) -> str:
    """Unlink relative links whose target the tree lacks; rename paths;
    leave no ``mmseg_ext`` behind."""

    def unlink(match):
        label, target = match.group(1), match.group(2)
        if re.match(r'[a-z]+://|#|mailto:', target) or exists(target):
            return match.group(0)
        return label

    text = re.sub(r'(?<!!)\[([^\]]+)\]\(([^)\s]+)\)', unlink, text)
    text = rename_package(text)
    text = re.sub(r'\bmmseg_ext\b', 'this implementation', text)
    return text


def metafile_text(meta: dict, written: Set[str]) -> str:
    meta = copy.deepcopy(meta)
    meta['Models'] = [
        m for m in meta.get('Models', []) if m.get('Config') in written
    ]
    for coll in meta.get('Collections', []):
        data = coll.get('Metadata', {}).get('Training Data')
        if isinstance(data, list):
            coll['Metadata']['Training Data'] = [
                d for d in data if 'mmseg_ext' not in d
            ]
    text = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True)
    return rename_package(text)


def merge_metafile(text: str, existing: Optional[str]) -> str:
    """Our metafile ``text`` merged into ``existing``, the metafile the
    tree already has at that path: mmseg's own (``configs/pspnet``) keeps
    its collections and models, in their order, and ours follow; an earlier
    copy of ours (by name) is replaced, so writing twice changes nothing.
    """
    if existing is None:
        return text
    ours, theirs = yaml.safe_load(text), yaml.safe_load(existing)
    kept = {
        key: [
            x for x in theirs.get(key) or []
            if x['Name'] not in {o['Name']
                                 for o in ours.get(key) or []}
        ]
        for key in ('Collections', 'Models')
    }
    if not any(kept.values()):  # the tree's file is ours
        return text
    merged = dict(theirs)
    for key, rest in kept.items():
        merged[key] = rest + (ours.get(key) or [])
    return yaml.safe_dump(merged, sort_keys=False, allow_unicode=True)
