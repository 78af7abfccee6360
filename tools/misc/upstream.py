# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Write one model family into an mmsegmentation 1.2.x checkout.

Example::

    python tools/misc/upstream.py ../mmsegmentation --family gscnn
    python tools/misc/upstream.py ../mmsegmentation --family refinenet \\
        --form project

The core form (default) follows a core PR such as PIDNet's (mmseg PR
#2609): modules under ``mmseg/``, registered in its ``__init__`` files;
tests under ``tests/test_models/...``; ``configs/<algo>/`` with README,
``metafile.yaml`` and its ``model-index.yml`` entry. The project form writes
``projects/<algo>/`` in the template of mmseg's ``projects/``. The files of
a family are the closure of a few seed classes (``upstream_package``), so
files added or moved in the package are followed. Running twice changes
nothing. See docs/upstream.md.
"""
import argparse
import os.path as osp
import re
import sys
from glob import glob
from typing import List

import yaml

from upstream_configs import (ConfigWriter, config_types, merge_metafile,
                              metafile_text)
from upstream_families import FAMILIES, Family
from upstream_package import (PKG, PackageIndex, UpstreamError,
                              is_upstream_material)
from upstream_readme import (TreeNames, load_runs, merge_readme,
                             metafile_results, project_readme, readme)
from upstream_tests import write_tests
from upstream_writer import Writer, register_in_init

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def check_tree(tree: str) -> None:
    """Refuse anything but an mmsegmentation 1.2.x checkout."""
    version_file = osp.join(tree, 'mmseg', 'version.py')
    if not osp.isfile(version_file):
        raise UpstreamError(f'{tree} is not an mmsegmentation checkout: '
                            'no mmseg/version.py')
    with open(version_file, encoding='utf-8') as f:
        match = re.search(r"__version__ = '([^']+)'", f.read())
    version = match.group(1) if match else 'unknown'
    if not version.startswith('1.2.'):
        raise UpstreamError(f'{tree} holds mmsegmentation {version}; this '
                            'tool writes into mmsegmentation 1.2.x')
    for need in ('configs/_base_', 'model-index.yml', 'setup.cfg',
                 'mmseg/registry'):
        if not osp.exists(osp.join(tree, need)):
            raise UpstreamError(
                f'{tree} is not checkout-shaped: {need} is '
                'missing (in an sdist, move mmseg/.mim/ '
                'configs, tools and model-index.yml to the top)')


def run(tree: str, name: str, form: str = 'core') -> List[str]:
    """Write family ``name`` into ``tree``; return the files changed."""
    tree = osp.abspath(tree)
    check_tree(tree)
    family = FAMILIES[name]
    index = PackageIndex(ROOT)
    writer = Writer(tree, form, family.algo, index)
    classes = list(family.classes)
    for req in family.requires:
        classes += FAMILIES[req].classes
    unknown = [c for c in classes if c not in index.registered]
    if unknown:
        raise UpstreamError(f'{name}: {unknown} not registered in {PKG}')
    seeds = [index.registered[c] for c in classes]
    # Classes of the other families; any other class a config of the family
    # uses (a module added since the seeds were named) joins the family.
    others = {c
              for n, f in FAMILIES.items() if n != name
              for c in f.classes} - set(classes)
    # Configs: those whose package types are upstream material.
    cfg_writer = ConfigWriter(ROOT, tree, writer.dest)
    written_cfgs, skipped = [], []
    for pattern in family.configs:
        for path in sorted(glob(osp.join(ROOT, pattern))):
            rel = osp.relpath(path, ROOT)
            trial = ConfigWriter(ROOT, tree, writer.dest)
            try:
                trial.add(rel)
            except UpstreamError as exc:
                skipped.append(f'{rel} ({exc})')
                continue
            ours = set().union(*map(config_types, trial.out.values()))
            ours = {t for t in ours if t in index.registered}
            not_upstream = sorted(
                t for t in ours
                if not is_upstream_material(index.registered[t]))
            if not_upstream:
                skipped.append(f'{rel} (needs {not_upstream}, '
                               'not upstream material)')
                continue
            # Classes of another family: only once that one is written.
            missing = sorted(t for t in ours & others if not osp.isfile(
                osp.join(tree, writer.dest(index.registered[t]))))
            if missing:
                skipped.append(f'{rel} (needs {missing}: write their '
                               'family first)')
                continue
            seeds += [index.registered[t] for t in sorted(ours - others)]
            cfg_writer.add(rel)
            written_cfgs.append(rel)
    modules = index.closure(seeds)
    for rel in modules:
        folder = osp.dirname(writer.dest(rel))
        if form == 'core' and not osp.isdir(osp.join(tree, folder)):
            raise UpstreamError(
                f'{rel}: mmseg has no folder {folder}/ (its package would '
                'not be imported); move the module or use --form project')
    for rel in modules:
        with open(osp.join(ROOT, rel), encoding='utf-8') as f:
            writer.python(rel, f.read())
    for init, children in index.exports(modules).items():
        package = index.dotted(init)
        for child, names in children.items():
            sub = index.module_file(f'{package}.{child}')
            if names and (form == 'core' or not sub.endswith('__init__.py')):
                register_in_init(writer, tree, init, child, names)
                if form == 'project':  # the project imports every folder
                    folder = osp.basename(osp.dirname(writer.dest(sub)))
                    register_in_init(writer, tree,
                                     f'projects/{family.algo}/__init__.py',
                                     folder, names)
    for rel, text in cfg_writer.out.items():
        if form == 'project' and not rel.startswith('configs/_base_/'):
            text = re.sub(
                r'\A((?:#.*\n)*_base_ = \[.*?\]\n|(?:#.*\n)*_base_ = .*\n)',
                r'\1custom_imports = dict(\n    imports=['
                f"'projects.{family.algo}'], allow_failed_imports=False)\n",
                text,
                flags=re.S)
        writer.files[writer.dest(rel)] = text
    write_tests(writer, index, ROOT, family.tests, set(modules))
    for src, dst in family.extra.items():
        with open(osp.join(ROOT, src), encoding='utf-8') as f:
            writer.python(dst, f.read())
    if family.readme:
        write_docs(writer, family, written_cfgs, tree, form)
    changed = writer.write()
    for line in skipped:
        print(f'skipped config {line}', file=sys.stderr)
    return changed


def write_docs(writer, family, written_cfgs, tree, form) -> None:
    """README (mmseg's configs template, or the projects/ one), metafile
    and, for the core form, the ``model-index.yml`` entry; then the README
    of every other family already in the tree, whose CamVid rows link the
    configs written now."""
    runs = load_runs(ROOT)
    meta_src = osp.join(ROOT, osp.dirname(family.readme), 'metafile.yml')
    with open(meta_src, encoding='utf-8') as f:
        meta = yaml.safe_load(f)
    cfg_dir = osp.dirname(writer.dest(f'configs/{family.algo}/x.py'))
    collection = meta['Collections'][0]
    for coll in meta['Collections']:
        coll['README'] = f'{cfg_dir}/README.md'
    listed = {m.get('Config') for m in meta.get('Models', [])}
    meta.setdefault('Models', []).extend({
        'Name': osp.basename(c)[:-3],
        'In Collection': collection['Name'],
        'Config': c,
        'Metadata': {
            'Training Data': 'CamVid',
            'Batch Size': int(re.search(r'_\d+xb(\d+)-', c).group(1))
        }
    } for c in written_cfgs if c not in listed and metafile_results(runs, c))
    for model in meta['Models']:
        results = metafile_results(runs, model.get('Config', ''))
        if results:  # the records, not figures copied by hand
            model['Results'] = results
        model['Config'] = writer.dest(model.get('Config', ''))
    written = {writer.dest(c) for c in written_cfgs}
    dest = f'{cfg_dir}/metafile.yaml'
    writer.files[dest] = merge_metafile(
        metafile_text(meta, written), _tree_text(tree, dest))
    for other in FAMILIES.values():
        if other.readme and (other is family or _in_tree(other, tree, form)):
            dest, text = family_readme(other, tree, form, writer, runs)
            writer.files[dest] = merge_readme(text, _tree_text(tree, dest))
    if form == 'core':
        with open(osp.join(tree, 'model-index.yml'), encoding='utf-8') as f:
            index_text = f.read()
        entry = f'- {cfg_dir}/metafile.yaml'
        if entry not in index_text.splitlines():  # in mmseg's sorted list
            lines = index_text.rstrip('\n').split('\n')
            at = next((i for i, line in enumerate(lines)
                       if line.startswith('- ') and line > entry), len(lines))
            index_text = '\n'.join(lines[:at] + [entry] + lines[at:]) + '\n'
        writer.files['model-index.yml'] = index_text


def _tree_text(tree: str, rel: str):
    """The text of ``rel`` in the tree, None where it has no such file."""
    path = osp.join(tree, rel)
    if not osp.isfile(path):
        return None
    with open(path, encoding='utf-8') as f:
        return f.read()


def _metafile_dest(family: Family, form: str) -> str:
    folder = (f'configs/{family.algo}'
              if form == 'core' else f'projects/{family.algo}/configs')
    return f'{folder}/metafile.yaml'


def _in_tree(family: Family, tree: str, form: str) -> bool:
    """Whether the family was written into the tree (its metafile there
    holds its collection; mmseg's own metafile of that folder does not)."""
    path = osp.join(tree, _metafile_dest(family, form))
    if not osp.isfile(path):
        return False
    with open(
            osp.join(ROOT, osp.dirname(family.readme), 'metafile.yml'),
            encoding='utf-8') as f:
        name = yaml.safe_load(f)['Collections'][0]['Name']
    with open(path, encoding='utf-8') as f:
        return name in {
            c.get('Name')
            for c in yaml.safe_load(f).get('Collections', [])
        }


def family_readme(family: Family, tree: str, form: str, writer: Writer,
                  runs: List[dict]):
    """Tree path and text of a family's README, given the tree and the
    files being written."""
    own = Writer(tree, form, family.algo)
    files = set(writer.files)
    cfg_dir = osp.dirname(own.dest(f'configs/{family.algo}/x.py'))
    dest = (f'{cfg_dir}/README.md'
            if form == 'core' else f'projects/{family.algo}/README.md')
    camvid = Writer(tree, form, FAMILIES['camvid'].algo)

    def link(config):
        target = camvid.dest(config)
        if target in files or osp.isfile(osp.join(tree, target)):
            return osp.relpath(target, osp.dirname(dest))
        return None

    names = TreeNames(tree, files, osp.dirname(dest))
    text = readme(family, ROOT, names, runs, link)
    if form == 'project':
        configs = sorted(
            own.dest(osp.relpath(p, ROOT)) for pattern in family.configs
            for p in glob(osp.join(ROOT, pattern)))
        configs = [
            c for c in configs if c in files or osp.isfile(osp.join(tree, c))
        ]
        text = project_readme(ROOT, text, family.algo, configs)
    return dest, text


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('tree', help='an mmsegmentation 1.2.x checkout')
    parser.add_argument('--family', required=True, choices=sorted(FAMILIES))
    parser.add_argument('--form', default='core', choices=['core', 'project'])
    args = parser.parse_args(argv)
    try:
        changed = run(args.tree, args.family, args.form)
    except UpstreamError as exc:
        print(f'upstream.py: error: {exc}', file=sys.stderr)
        return 2
    for rel in changed:
        print(rel)
    print(f'{len(changed)} file(s) written', file=sys.stderr)
    return 0


if __name__ == '__main__':
    sys.exit(main())
