# Copyright (c) mmseg_ext contributors. All rights reserved.
"""``AtomicCheckpointHook`` leaves exactly the files mmengine's
``CheckpointHook`` leaves, for the same settings, and writes them through
the atomic backend."""
import os
import os.path as osp
import re

import pytest
import torch
from mmengine.evaluator import BaseMetric, Evaluator
from mmengine.hooks import CheckpointHook
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch.utils.data import DataLoader, Dataset

from mmseg_ext.engine import AtomicCheckpointHook, AtomicLocalBackend

_PUBLISHED = re.compile(r'-[0-9a-f]{8}\.pth$')


class _ToyModel(BaseModel):

    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(2, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        out = self.linear(torch.stack(inputs))
        if mode == 'loss':
            return dict(loss=out.pow(2).mean())
        return [dict(pred=o) for o in out]


class _ToyData(Dataset):

    def __init__(self, size):
        self.size = size

    def __len__(self):
        return self.size

    def __getitem__(self, i):
        return dict(inputs=torch.full((2, ), float(i)))


class _ScriptedMetric(BaseMetric):
    """Returns a fixed sequence of scores, so the best one moves."""

    def __init__(self, scores):
        super().__init__()
        self.scores = list(scores)
        self.calls = 0

    def process(self, data_batch, data_samples):
        self.results.append(0)

    def compute_metrics(self, results):
        score = self.scores[self.calls % len(self.scores)]
        self.calls += 1
        return dict(acc=score, loss_val=1 - score)


def _loader(size):
    # Iteration-based runs stay within one pass over the data: mmengine
    # sleeps 2 s at every epoch boundary of an iteration-based loop.
    return DataLoader(
        _ToyData(size),
        batch_size=2,
        collate_fn=lambda b: dict(inputs=[d['inputs'] for d in b]))


def _files(root):
    found = set()
    for folder, _, names in os.walk(root):
        rel = osp.relpath(folder, root)
        if rel.split(os.sep)[0] not in ('.', 'out'):  # logs, vis_data
            continue
        found.update(
            # A published copy is named after its hash, which covers the
            # save time: keep the name without it.
            _PUBLISHED.sub('-<sha>.pth', osp.normpath(osp.join(rel, n)))
            for n in names
            if not n.endswith('.py'))  # the config dump, named by time
    return found


def _run(hook_cls, work_dir, by_epoch, hook_kwargs):
    kwargs = dict(hook_kwargs)
    if 'out_dir' in kwargs:
        kwargs['out_dir'] = osp.join(work_dir, kwargs['out_dir'])
    hook = hook_cls(by_epoch=by_epoch, **kwargs)
    if by_epoch:
        train_cfg = dict(by_epoch=True, max_epochs=4, val_interval=1)
    else:
        train_cfg = dict(by_epoch=False, max_iters=5, val_interval=1)
    runner = Runner(
        model=_ToyModel(),
        work_dir=work_dir,
        train_dataloader=_loader(12),
        val_dataloader=_loader(2),
        val_evaluator=Evaluator([_ScriptedMetric([.1, .5, .3, .7, .2])]),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        train_cfg=train_cfg,
        val_cfg=dict(),
        default_hooks=dict(checkpoint=hook),
        experiment_name=work_dir,  # fresh MessageHub, no shared best
        default_scope='mmseg')  # the suite's scope (conftest), kept
    runner.train()
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        pointer = osp.relpath(f.read().strip(), work_dir)
    return hook, _files(work_dir), pointer


SETTINGS = [
    (False, dict(interval=1, max_keep_ckpts=2)),
    (False, dict(interval=2, save_last=True)),
    (False, dict(interval=2, save_last=False, max_keep_ckpts=1)),
    (False,
     dict(interval=1, max_keep_ckpts=2, save_best='acc', rule='greater')),
    (False, dict(interval=2, save_best=['acc', 'loss_val'])),
    (False,
     dict(
         interval=2,
         out_dir='out',
         filename_tmpl='ckpt_{}.pth',
         published_keys=['meta', 'state_dict'],
         save_best='auto')),
    (True, dict(interval=1, max_keep_ckpts=2, save_best='acc')),
    (True, dict(interval=3, save_begin=2)),
]


@pytest.mark.parametrize('by_epoch,kwargs', SETTINGS)
def test_same_files_as_mmengine(tmp_path, by_epoch, kwargs):
    # Same folder basename: ``out_dir`` appends it.
    ours, ours_files, ours_ptr = _run(AtomicCheckpointHook,
                                      str(tmp_path / 'ours' / 'run'), by_epoch,
                                      kwargs)
    _, ref_files, ref_ptr = _run(CheckpointHook, str(tmp_path / 'ref' / 'run'),
                                 by_epoch, kwargs)
    ckpts = {f for f in ref_files if f.endswith('.pth')}
    assert ckpts, 'the reference run saved nothing: a vacuous comparison'
    assert ours_files == ref_files
    assert ours_ptr == ref_ptr
    assert isinstance(ours.file_backend, AtomicLocalBackend)
    assert not any(f.endswith('.tmp') for f in ours_files)


def test_max_keep_ckpts_prunes(tmp_path):
    _, files, _ = _run(AtomicCheckpointHook, str(tmp_path), False,
                       dict(interval=1, max_keep_ckpts=2))
    assert {f
            for f in files
            if f.startswith('iter_')} == {'iter_4.pth', 'iter_5.pth'}


def test_given_backend_args_are_kept(tmp_path):
    hook, _, _ = _run(AtomicCheckpointHook, str(tmp_path), False,
                      dict(interval=5, backend_args=dict(backend='local')))
    assert hook.backend_args == dict(backend='local')
    assert not isinstance(hook.file_backend, AtomicLocalBackend)


@pytest.fixture
def atomic_writes(monkeypatch):
    """The names of the files written through ``atomic_write``."""
    from mmseg_ext.engine import checkpoint_files
    from mmseg_ext.engine.hooks import atomic_checkpoint_hook
    written = []
    real = checkpoint_files.atomic_write

    def spy(data, path):
        written.append(osp.basename(path))
        real(data, path)

    monkeypatch.setattr(checkpoint_files, 'atomic_write', spy)
    # The hook module imported the function: its name too.
    monkeypatch.setattr(atomic_checkpoint_hook, 'atomic_write', spy)
    return written


def test_writes_go_through_atomic_write(tmp_path, atomic_writes):
    written = atomic_writes
    _run(AtomicCheckpointHook, str(tmp_path), False,
         dict(interval=2, save_best='acc'))
    assert {'iter_2.pth', 'iter_4.pth', 'iter_5.pth'} <= set(written)
    assert any(n.startswith('best_acc_iter_') for n in written)


def test_pointer_and_published_copies_go_through_atomic_write(
        tmp_path, atomic_writes):
    written = atomic_writes
    _run(AtomicCheckpointHook, str(tmp_path), False,
         dict(interval=2, save_best='acc', published_keys=['state_dict']))
    # mmengine points at every iter_* it saves (2, 4, the last one 5, and
    # again 2 and 4 after a new best score).
    saved = [n for n in written if re.fullmatch(r'iter_\d+\.pth', n)]
    assert written.count('last_checkpoint') == len(saved) == 5, written
    published = [n for n in written if _PUBLISHED.search(n)]
    assert len(published) == 2, written  # the last and the best one


def _interrupt_rename_of(monkeypatch, matches, at_call):
    """A kill between writing a file's temporary copy and renaming it over
    the file (the moment a torn file would appear without the rename): the
    ``at_call``-th rename onto a file whose name ``matches`` raises."""
    import os as os_module
    real_replace = os_module.replace
    calls = []

    def replace(src, dst):
        if matches(osp.basename(dst)):
            calls.append(dst)
            if len(calls) == at_call:
                raise KeyboardInterrupt('killed while saving')
        real_replace(src, dst)

    monkeypatch.setattr(os_module, 'replace', replace)


def test_killed_while_writing_pointer_keeps_previous_one(
        tmp_path, monkeypatch):
    _interrupt_rename_of(monkeypatch, lambda n: n == 'last_checkpoint', 2)
    with pytest.raises(KeyboardInterrupt):
        _run(AtomicCheckpointHook, str(tmp_path), False, dict(interval=2))
    monkeypatch.undo()
    with open(tmp_path / 'last_checkpoint') as f:
        assert f.read() == osp.join(str(tmp_path), 'iter_2.pth')
    assert not [n for n in os.listdir(tmp_path) if n.endswith('.tmp')]


def test_killed_while_publishing_leaves_no_torn_copy(tmp_path, monkeypatch):
    _interrupt_rename_of(monkeypatch, lambda n: bool(_PUBLISHED.search(n)), 1)
    with pytest.raises(KeyboardInterrupt):
        _run(AtomicCheckpointHook, str(tmp_path), False,
             dict(interval=5, published_keys=['state_dict']))
    monkeypatch.undo()
    names = os.listdir(tmp_path)
    assert 'iter_5.pth' in names
    assert not [n for n in names if _PUBLISHED.search(n) or '.tmp' in n]
