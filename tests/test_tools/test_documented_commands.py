# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Every ``python tools/...py`` command that the README, docs/*.md and
configs/*/README.md show names a script that exists and answers
``--help``. The commands are read from the documents, so a script that is
renamed, moved or removed without its documentation fails here."""
import glob
import itertools
import os.path as osp
import re
import subprocess
import sys
from typing import Dict, List

import pytest

from ..tiny_runs import REPO_ROOT

DOCUMENTS = ['README.md', 'docs/*.md', 'configs/*/README.md']
#: ``python tools/x.py`` or ``python3 tools/{a,b}2mmseg.py``; a path that
#: goes through an installed copy (``$SP/.mim/tools/...``) is mmseg's.
COMMAND = re.compile(r'\bpython3? (tools/[\w/{},.-]+?\.py)\b')
BRACES = re.compile(r'\{([^{}]*)\}')


def expand(path: str) -> List[str]:
    """``a/{b,c}d.py`` -> ``['a/bd.py', 'a/cd.py']``."""
    parts = BRACES.split(path)
    choices = [[p] if i % 2 == 0 else p.split(',')
               for i, p in enumerate(parts)]
    return [''.join(c) for c in itertools.product(*choices)]


def documented_scripts() -> Dict[str, List[str]]:
    """Script path -> the documents that show a command running it."""
    found: Dict[str, List[str]] = {}
    for pattern in DOCUMENTS:
        for doc in sorted(glob.glob(osp.join(REPO_ROOT, pattern))):
            with open(doc, encoding='utf-8') as f:
                text = f.read()
            name = osp.relpath(doc, REPO_ROOT)
            for match in COMMAND.finditer(text):
                for script in expand(match.group(1)):
                    found.setdefault(script, []).append(name)
    return found


SCRIPTS = documented_scripts()


def test_the_documents_show_the_main_commands():
    # The collection itself works: the entry points are found.
    for script in ('tools/train.py', 'tools/test.py',
                   'tools/analysis/benchmark.py',
                   'tools/model_converters/gscnn2mmseg.py'):
        assert script in SCRIPTS, sorted(SCRIPTS)


@pytest.mark.parametrize('script', sorted(SCRIPTS))
def test_documented_command_answers_help(script):
    docs = ', '.join(sorted(set(SCRIPTS[script])))
    path = osp.join(REPO_ROOT, script)
    assert osp.isfile(path), f'{script} (shown in {docs}) does not exist'
    proc = subprocess.run([sys.executable, path, '--help'],
                          capture_output=True,
                          text=True,
                          cwd=REPO_ROOT,
                          timeout=300)
    assert proc.returncode == 0, (
        f'{script} --help (shown in {docs}) exited {proc.returncode}:\n'
        f'{proc.stderr[-2000:]}')
    assert 'usage:' in proc.stdout, proc.stdout[-2000:]
