# Copyright (c) mmseg_ext contributors. All rights reserved.
"""The ``mmseg_ext`` registry scope.

Every module of this package registers into mmseg's own registries
(``mmseg.registry.MODELS``, ...), so configs keep ``default_scope='mmseg'``
and mix our heads with mmseg's backbones freely.

A config that inherits one of ours with ``_base_ = ['mmseg_ext::...']`` gets
``_scope_='mmseg_ext'`` stamped on its top-level ``type`` dicts by mmengine,
which then imports ``mmseg_ext.registry`` and looks for a registry of that
scope. This module provides one per mmseg registry: an empty child of it
whose look-ups fall through to mmseg's (and mmengine's) modules, so such
configs build exactly what the same config with ``_scope_='mmseg'`` builds,
without "failed to search registry" warnings. mmengine imports this module
on demand; ``import mmseg_ext`` does not.
"""
from mmengine.registry import Registry
from mmseg import registry as mmseg_registry

SCOPE = 'mmseg_ext'


def _child(parent: Registry) -> Registry:
    existing = parent.children.get(SCOPE)
    if existing is not None:
        return existing
    locations = list(getattr(parent, '_locations', [])) + ['mmseg_ext']
    return Registry(
        parent.name, parent=parent, scope=SCOPE, locations=locations)


_NAMES = [
    name for name in dir(mmseg_registry)
    if isinstance(getattr(mmseg_registry, name), Registry)
]
for _name in _NAMES:
    globals()[_name] = _child(getattr(mmseg_registry, _name))

__all__ = list(_NAMES)
