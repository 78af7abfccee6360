# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Import the scripts of tools/model_converters as modules.

The converters import each other and ``conversion_checks`` by name, which
works when a script runs because its folder is on ``sys.path``; the tests
put that folder there once and import the scripts the same way.
"""
import importlib
import os.path as osp
import subprocess
import sys
from types import ModuleType
from typing import List

from ..tiny_runs import REPO_ROOT

CONVERTERS = osp.join(REPO_ROOT, 'tools', 'model_converters')


def load_converter(name: str) -> ModuleType:
    """``tools/model_converters/<name>.py`` as a module (``main`` not run)."""
    if CONVERTERS not in sys.path:
        sys.path.insert(0, CONVERTERS)
    return importlib.import_module(name)


def run_converter(name: str, args: List[str]) -> subprocess.CompletedProcess:
    """``python tools/model_converters/<name>.py ARGS`` as a user runs it."""
    return subprocess.run(
        [sys.executable, osp.join(CONVERTERS, f'{name}.py')] + args,
        capture_output=True,
        text=True,
        timeout=300)
