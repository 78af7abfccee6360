# Copyright (c) mmseg_ext contributors. All rights reserved.
"""README of ``upstream.py``, in mmseg's template.

The family README of this repository is written for this repository: it
names its make targets, docs and demo configs. The written README keeps the
template's sections (Introduction, Abstract, Results and models, Citation),
takes the results subsections a family names (``Family.carry``) with every
block that names something the tree lacks pruned (``prune_absent``), and
builds the measured tables from the records of the runs
(``docs/camvid_runs.json``), so they cannot drift from them.
"""
import fnmatch
import glob
import json
import os
import os.path as osp
import re
from typing import Callable, Dict, List, Optional, Tuple

from upstream_configs import clean_markdown, markdown_sections
from upstream_package import UpstreamError

RUNS = 'docs/camvid_runs.json'
# Names of things that must exist in the tree: repository paths (relative
# to the tree, or ``../`` from the README), file names of scripts/configs.
PATH = re.compile(r'(?<![\w./-])((?:\.\./)*(?:configs|tools|docs|mmseg|tests'
                  r'|demo|projects)/[\w./*-]*[\w*])')
FILE = re.compile(r'(?<![\w/.-])([\w-]+\.py)\b')
ABBREV = re.compile(r'`([\w-]+?)_\.\.\.`')
LINK = re.compile(r'(?<!!)\[([^\]]*)\]\(([^)\s]+)\)')
# Words of this repository's history and tooling, not of a config README.
HISTORY = re.compile(r'\bmake [a-z]|\b[Ss]ession[ -]\d|\bbefore this change'
                     r'|\bmeasured here\b')
# Recorded metrics shown in the CamVid table: (column, key in the record).
CAMVID_METRICS = [('mIoU', 'mIoU'), ('BF@2px (gscnn)', 'gscnn/BF@2px'),
                  ('BF@2px (pooled)', 'BF@2px'), ('BIoU', 'BIoU')]


class TreeNames:
    """What exists in the tree once the family is written.

    Args:
        tree (str): The mmseg checkout.
        written (set): Tree paths being written now.
        readme_dir (str): Folder of the README, relative to the tree.
    """

    def __init__(self, tree: str, written, readme_dir: str):
        self.tree, self.written, self.readme_dir = tree, set(written), \
            readme_dir
        self._files: Optional[set] = None

    def target(self, link: str) -> bool:
        """Whether a link target (relative to the README) exists."""
        return self.path(osp.join(self.readme_dir, link.split('#')[0]))

    def path(self, rel: str) -> bool:
        """Whether a path exists (relative to the tree; ``../`` ones
        relative to the README)."""
        rel = rel.split('#')[0]
        if rel.startswith('.'):
            rel = osp.join(self.readme_dir, rel)
        rel = osp.normpath(rel)
        if '*' in rel:
            return any(fnmatch.fnmatch(w, rel) for w in self.written) or bool(
                glob.glob(osp.join(self.tree, rel)))
        return rel in self.written or osp.exists(osp.join(self.tree, rel)) \
            or any(w.startswith(rel.rstrip('/') + '/') for w in self.written)

    def file_names(self) -> set:
        if self._files is None:
            self._files = {osp.basename(w) for w in self.written}
            for folder in ('configs', 'tools', 'mmseg', 'projects'):
                for _, _, files in os.walk(osp.join(self.tree, folder)):
                    self._files.update(files)
        return self._files

    def absent(self, text: str) -> List[str]:
        """The names in ``text`` of things the tree lacks."""
        missing = [m.group(0) for m in HISTORY.finditer(text)]
        # A link to a missing page is unlinked later (its label stays); a
        # link to a missing config or script dangles.
        missing += [
            t for _, t in LINK.findall(text)
            if t.endswith('.py') and not self.target(t)
        ]
        text = LINK.sub(lambda m: m.group(1), text)
        missing += [p for p in PATH.findall(text) if not self.path(p)]
        names = self.file_names()
        missing += [f for f in FILE.findall(text) if f not in names]
        missing += [
            a for a in ABBREV.findall(text)
            if not any(n.startswith(a + '_') for n in names)
        ]
        return missing


def _blocks(text: str) -> List[str]:
    """Blank-line separated blocks; a fenced code block is one block."""
    blocks, cur, fenced = [], [], False
    for line in text.strip('\n').split('\n'):
        if line.startswith('```'):
            fenced = not fenced
        if not line.strip() and not fenced:
            if cur:
                blocks.append('\n'.join(cur))
            cur = []
        else:
            cur.append(line)
    if cur:
        blocks.append('\n'.join(cur))
    return blocks


def _prune_table(block: str, absent) -> str:
    """Rows whose first cell names an absent thing go; other such cells
    become ``-``."""
    lines = block.split('\n')
    out = lines[:2]
    for row in lines[2:]:
        cells = row.strip().strip('|').split('|')
        if absent(cells[0]):
            continue
        cells = [' - ' if absent(c) else c for c in cells]
        out.append('|' + '|'.join(cells) + '|')
    return '\n'.join(out) if len(out) > 2 else ''


def _prune_list(block: str, absent) -> str:
    items = re.split(r'\n(?=[*-] )', block)
    return '\n'.join(i for i in items if not absent(i))


def prune_absent(text: str, absent: Callable[[str], List[str]]) -> str:
    """Drop the blocks of ``text`` that name things the tree lacks.

    Tables lose such rows (or cells), lists such items; paragraphs and code
    blocks go whole, with the paragraph that leads into them (ending in
    ``:``) and a table or code block right after a dropped paragraph (its
    explanation is gone).
    """
    kept: List[str] = []
    dropped_prev = False
    for block in _blocks(text):
        kind = ('table'
                if block.startswith('|') else 'code' if block.startswith('```')
                else 'list' if re.match(r'[*-] ', block) else 'text')
        if kind in ('table', 'code') and dropped_prev:
            new = ''
        elif kind == 'table':
            new = _prune_table(block, absent)
        elif kind == 'list':
            new = _prune_list(block, absent)
        else:
            new = '' if absent(block) else block
        if not new:
            if kept and kept[-1].rstrip().endswith(
                    ':') and not kept[-1].startswith(('|', '```', '#')):
                kept.pop()
            dropped_prev = kind == 'text'
            continue
        dropped_prev = False
        kept.append(new)
    # A heading left without a body goes too.
    out = [
        b for i, b in enumerate(kept)
        if not (b.startswith('#') and
                (i + 1 == len(kept) or kept[i + 1].startswith('#')))
    ]
    return '\n\n'.join(out)


def sections(text: str) -> Dict[str, str]:
    """Every ``##`` and ``###`` section of a markdown file by heading (the
    body of a ``##`` section includes its ``###`` subsections)."""
    out = {}
    for level in ('##', '###'):
        stop = r'^#{2,3} ' if level == '###' else r'^## '
        for m in re.finditer(rf'^{level} (.+)\n', text, re.M):
            rest = text[m.end():]
            end = re.search(stop, rest, re.M)
            out.setdefault(
                m.group(1).strip(), rest[:end.start()] if end else rest)
    return out


# ------------------------------------------------------------- run records
def load_runs(root: str) -> List[dict]:
    with open(osp.join(root, RUNS), encoding='utf-8') as f:
        return json.load(f)['runs']


def runs_of(runs: List[dict], patterns: List[str]) -> List[dict]:
    """Records whose config file name matches a pattern, in pattern order,
    then by config and seed."""
    out = []
    for pattern in patterns:
        out += sorted((r for r in runs
                       if fnmatch.fnmatch(osp.basename(r['config']), pattern)
                       and r not in out),
                      key=lambda r: (r['config'], r['seed']))
    return out


def name_fields(config: str) -> Tuple[str, str, str]:
    """Method, backbone and crop of mmseg's config name
    ``{algo}_{backbone}_{NxbM}-{schedule}_{dataset}-{crop}``."""
    parts = osp.basename(config)[:-3].split('_')
    return parts[0], parts[1], parts[-1].rsplit('-', 1)[-1]


def fmt(value: float) -> str:
    return f'{value:.1f}'


def camvid_table(runs: List[dict], link: Callable[[str],
                                                  Optional[str]]) -> str:
    """mmseg's results table of recorded CamVid runs (test split)."""
    head = ['Method', 'Backbone', 'Crop Size', 'Lr schd', 'Seed'
            ] + [c for c, _ in CAMVID_METRICS] + ['config']
    rows = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
    for run in runs:
        method, backbone, crop = name_fields(run['config'])
        target = link(run['config'])
        cfg = f'[config]({target})' if target else '-'
        cells = [
            method, backbone, crop,
            str(run['max_iters']),
            str(run['seed'])
        ] + [fmt(run['metrics'][k]) for _, k in CAMVID_METRICS] + [cfg]
        rows.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(rows)


CAMVID_INTRO = (
    'Measured for this implementation: CamVid (SegNet split, 11 classes), '
    'trained from scratch (random initialisation, no ImageNet weights) on 2 '
    'CPU cores, the checkpoint picked on `val` tested on all 233 `test` '
    'frames, whole 360x480 frame, single scale. BF@2px is the boundary '
    "F-score at 2 px: `gscnn` is Gated-SCNN's per-image protocol, `pooled` "
    'sums matches over the test set; BIoU is Boundary IoU. The backbone is '
    'ResNetV1c-18 at half width (`r18-c32-d16`). These small, short runs '
    'compare heads under one budget; they are far below GPU-trained '
    'models.')


def metafile_results(runs: List[dict], config: str) -> Optional[list]:
    """metafile ``Results`` of a config: its lowest-seed recorded run."""
    mine = sorted((r for r in runs if r['config'] == config),
                  key=lambda r: r['seed'])
    if not mine:
        return None
    metrics = {
        k: round(float(mine[0]['metrics'][k]), 2)
        for _, k in CAMVID_METRICS
    }
    return [{
        'Task': 'Semantic Segmentation',
        'Dataset': 'CamVid',
        'Metrics': metrics
    }]


# ------------------------------------------------------------------ README
def readme(family, root: str, names: TreeNames, runs: List[dict],
           link: Callable[[str], Optional[str]]) -> str:
    """The README in mmseg's template from the family README: its
    introduction, abstract and citation, the recorded CamVid runs of the
    family (``family.camvid``) and the results subsections it carries
    (``family.carry``), without what names things the tree lacks."""
    with open(osp.join(root, family.readme), encoding='utf-8') as f:
        source = f.read()
    pre, secs = markdown_sections(source)
    subs = sections(source)
    title = pre.strip().splitlines()
    preamble = '\n'.join(t for t in title[1:] if not t.startswith('>'))
    intro = re.sub(r'<!-- \[\w+\] -->', '', secs.get('Introduction', preamble))
    tag = 'DATASET' if family.algo == 'camvid' else 'ALGORITHM'
    abstract = secs.get('Abstract')
    if abstract is None:  # the first paragraph introduces, the rest tells
        first, _, rest = intro.strip().partition('\n\n')
        intro, abstract = (first, rest) if rest else (intro, first)
    results = []
    recorded = runs_of(runs, family.camvid)
    if recorded:
        results.append(f'### CamVid\n\n{CAMVID_INTRO}\n\n'
                       f'{camvid_table(recorded, link)}')
    for key in family.carry:
        if key not in subs:
            raise UpstreamError(f'{family.readme} has no section "{key}" '
                                '(upstream.FAMILIES carries it)')
        body = prune_absent(
            re.sub(r'^### ', '#### ', subs[key], flags=re.M), names.absent)
        if body:
            results.append(f'### {key}\n\n{body}')
    if not results:
        raise UpstreamError(f'{family.algo}: nothing to show under "Results '
                            'and models"')
    citation = secs.get('Citation')
    if not citation:
        raise UpstreamError(f'{family.readme} has no "## Citation" section')
    text = '\n\n'.join([
        title[0], '\n'.join(t for t in title[1:] if t.startswith('>')),
        f'## Introduction\n\n<!-- [{tag}] -->\n\n'
        f'{prune_absent(intro, names.absent)}',
        f'## Abstract\n\n{prune_absent(abstract, names.absent)}',
        '## Results and models\n\n' + '\n\n'.join(results),
        f'## Citation\n\n{citation.strip()}'
    ]) + '\n'
    text = clean_markdown(text, names.target)
    return re.sub(r'\n{3,}', '\n\n', text)


def checklist(root: str, name: str) -> str:
    """The family's milestone checklist, kept in docs/upstream.md."""
    with open(osp.join(root, 'docs', 'upstream.md'), encoding='utf-8') as f:
        text = f.read()
    match = re.search(rf'^### `{re.escape(name)}`\n(.*?)(?=^##|\Z)', text,
                      re.M | re.S)
    if match is None or '- [' not in match.group(1):
        raise UpstreamError(f'docs/upstream.md has no checklist for {name}')
    return match.group(1).strip() + '\n'


def project_readme(root: str, core: str, algo: str, configs: List[str]) -> str:
    """mmseg's projects/ template from the core README's sections."""
    title, secs = markdown_sections(core)
    config = osp.relpath(configs[0], 'projects') if configs else 'CONFIG'
    usage = ('### Prerequisites\n\n- Python 3.7+\n- PyTorch, '
             'mmengine 0.10.x, mmcv 2.x\n- mmsegmentation 1.2.x\n\n'
             'All commands run from the root of mmsegmentation, with the '
             'project importable:\n\n```shell\nexport PYTHONPATH=`pwd`:'
             '$PYTHONPATH\n```\n\n### Training commands\n\n```shell\n'
             f'mim train mmsegmentation projects/{config} --work-dir '
             f'work_dirs/{algo}\n```\n\n### Testing commands\n\n'
             f'```shell\nmim test mmsegmentation projects/{config} '
             f'--work-dir work_dirs/{algo} --checkpoint '
             '${CHECKPOINT}\n```\n')
    return (f"{title.strip()}\n\n## Description\n\n"
            f"{secs['Introduction'].strip()}\n\n{secs['Abstract'].strip()}"
            f'\n\n## Usage\n\n{usage}\n## Results\n\n'
            f"{secs['Results and models'].strip()}\n\n## Citation\n\n"
            f"{secs['Citation'].strip()}\n\n## Checklist\n\n"
            f'{checklist(root, algo)}')


def merge_readme(ours: str, existing: Optional[str]) -> str:
    """Our README, or, where the tree has mmseg's own README for that
    folder (another title, e.g. ``configs/pspnet``), mmseg's with our
    results as one ``###`` subsection (ours one level down) at the end of
    its "Results and models"; an earlier copy of ours is replaced."""
    if existing is None or existing.split('\n')[0] == ours.split('\n')[0]:
        return ours
    title = ours.split('\n')[0].lstrip('#').strip()
    body = markdown_sections(ours)[1].get('Results and models', '')
    body = re.sub(r'^(#+) ', r'#\1 ', body.strip(), flags=re.M)
    existing = re.sub(
        rf'^### {re.escape(title)}\n.*?(?=^## |\Z)',
        '',
        existing,
        flags=re.M | re.S)
    results = re.search(r'^## Results and models\n.*?(?=^## |\Z)', existing,
                        re.M | re.S)
    if results is None:
        raise UpstreamError('the README the tree has for this folder lacks '
                            'a "## Results and models" section to add to')
    head = existing[:results.end()].rstrip('\n')
    return f'{head}\n\n### {title}\n\n{body}\n\n{existing[results.end():]}'
