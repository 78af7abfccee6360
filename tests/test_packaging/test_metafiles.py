# Copyright (c) mmseg_ext contributors. All rights reserved.
"""model-index.yml and the per-family metafiles list exactly the configs
on disk (subfolders included), in the format mmengine and mim read."""
import glob
import os.path as osp

from mmengine.fileio import load

from ..tiny_runs import REPO_ROOT


def _index():
    return load(osp.join(REPO_ROOT, 'model-index.yml'))


def test_every_family_folder_has_a_metafile_in_the_index():
    imported = set(_index()['Import'])
    folders = {
        osp.relpath(d, REPO_ROOT)
        for d in glob.glob(osp.join(REPO_ROOT, 'configs', '*'))
        if osp.isdir(d) and not osp.basename(d).startswith('_')
        and glob.glob(osp.join(d, '*.py'))
    }
    assert imported == {f'{d}/metafile.yml' for d in folders}


def test_metafiles_list_exactly_the_configs():
    for meta_path in _index()['Import']:
        meta = load(osp.join(REPO_ROOT, meta_path))
        collections = {c['Name'] for c in meta['Collections']}
        family = osp.dirname(meta_path)
        listed = []
        for model in meta['Models']:
            assert model['In Collection'] in collections, model['Name']
            assert osp.isfile(osp.join(REPO_ROOT, model['Config'])), model
            assert osp.splitext(osp.basename(
                model['Config']))[0] == model['Name']
            assert model['Metadata']['Training Data']
            listed.append(model['Config'])
        on_disk = sorted(
            osp.relpath(p, REPO_ROOT) for p in glob.glob(
                osp.join(REPO_ROOT, family, '**', '*.py'), recursive=True))
        assert sorted(listed) == on_disk, meta_path
        for collection in meta['Collections']:
            assert osp.isfile(osp.join(REPO_ROOT, collection['README']))


def test_results_follow_mims_format():
    """``Results`` (where a model has measured ones): a task, a dataset and
    numeric metrics, as mim and OpenMMLab's model index read them."""
    for meta_path in _index()['Import']:
        for model in load(osp.join(REPO_ROOT, meta_path))['Models']:
            for result in model.get('Results', []):
                assert result['Task'] == 'Semantic Segmentation', model['Name']
                assert result['Dataset'], model['Name']
                assert result['Metrics'], model['Name']
                for name, value in result['Metrics'].items():
                    assert isinstance(value,
                                      (int, float)), (model['Name'], name)
                    assert 0 <= value <= 100, (model['Name'], name)
