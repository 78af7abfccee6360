# Copyright (c) mmseg_ext contributors. All rights reserved.
"""The ``mmseg_ext`` registry scope: one empty child of each mmseg
registry, so configs inheriting ``mmseg_ext::`` (which mmengine stamps
``_scope_='mmseg_ext'``) build what ``mmseg`` builds
(docs/architecture.md). Imported by mmengine on demand only.
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
