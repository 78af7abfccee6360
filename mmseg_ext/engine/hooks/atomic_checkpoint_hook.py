# Copyright (c) mmseg_ext contributors. All rights reserved.
"""CheckpointHook whose files are never left half-written."""
import builtins
import contextlib
import hashlib
import io
import os.path as osp
import pickle
from typing import Iterator

from mmengine.dist import master_only
from mmengine.hooks import CheckpointHook
from mmengine.hooks import checkpoint_hook as mmengine_checkpoint_hook
from mmengine.logging import print_log
from mmseg.registry import HOOKS

from ..checkpoint_files import atomic_write

#: The file mmengine writes the path of the newest checkpoint to.
POINTER = 'last_checkpoint'


class _AtomicTextFile(io.StringIO):
    """A text file opened for writing whose content replaces ``path``
    atomically when it is closed without an error (:func:`atomic_write`)."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            atomic_write(self.getvalue(), self.path)
        return super().__exit__(exc_type, exc, tb)


@contextlib.contextmanager
def _atomic_pointer(pointer: str) -> Iterator[None]:
    """Within the block, mmengine's ``CheckpointHook`` writes ``pointer``
    through :class:`_AtomicTextFile`; every other ``open`` is the builtin.

    mmengine writes the pointer inline (``with open(path, 'w')``) in
    ``CheckpointHook._save_checkpoint_with_step``; the name ``open`` of its
    module is shadowed for the duration of that call only.
    """

    def open_(file, mode='r', *args, **kwargs):
        if mode == 'w' and osp.abspath(str(file)) == pointer:
            return _AtomicTextFile(pointer)
        return builtins.open(file, mode, *args, **kwargs)

    mmengine_checkpoint_hook.open = open_
    try:
        yield
    finally:
        del mmengine_checkpoint_hook.open


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """mmengine's ``CheckpointHook`` writing every file atomically.

    Every checkpoint the hook saves (``iter_*``/``epoch_*``, ``best_*`` and
    the last one) goes through its file backend; for a local folder this
    hook selects the ``local_atomic`` backend
    (:class:`~mmseg_ext.engine.AtomicLocalBackend`), which writes a
    temporary file in the same folder, fsyncs it and renames it into
    place. The ``last_checkpoint`` pointer and the ``published_keys``
    copies made at the end of training are written the same way
    (:func:`~mmseg_ext.engine.atomic_write`). A job killed while saving
    (SIGKILL, preemption, full disk) therefore leaves the previous files
    intact and never a truncated one. Everything else (``interval``,
    ``max_keep_ckpts``, ``save_last``, ``save_best``/``rule``,
    ``published_keys``, ``out_dir``, ``filename_tmpl``, ``save_begin``,
    resuming the kept and best checkpoints) is mmengine's own logic, and
    the files are mmengine's, name for name.

    Args:
        *args, **kwargs: ``CheckpointHook``'s arguments. When neither
            ``backend_args`` nor ``file_client_args`` is given and the
            output folder is local (no ``scheme://`` prefix), the hook uses
            ``backend_args=dict(backend='local_atomic')``; given arguments
            and remote folders are left as they are (so are their
            published copies; the pointer is always local).
    """

    def before_train(self, runner) -> None:
        out_dir = self.out_dir if self.out_dir is not None else \
            runner.work_dir
        if (self.backend_args is None and self.file_client_args is None
                and '://' not in str(out_dir)):
            self.backend_args = dict(backend='local_atomic')
        super().before_train(runner)

    def _save_checkpoint_with_step(self, runner, step, meta):
        with _atomic_pointer(osp.abspath(osp.join(runner.work_dir, POINTER))):
            super()._save_checkpoint_with_step(runner, step, meta)

    @master_only
    def _publish_model(self, runner, ckpt_path: str) -> None:
        """mmengine's published copy (only ``published_keys``, named
        ``<checkpoint>-<first 8 hex digits of the SHA-256 of its pickle>.pth``)
        saved through the hook's file backend."""
        from mmengine.runner import save_checkpoint
        from mmengine.runner.checkpoint import _load_checkpoint
        checkpoint = _load_checkpoint(ckpt_path)
        removed = [k for k in checkpoint if k not in self.published_keys]
        for key in removed:
            checkpoint.pop(key)
        if removed:
            print_log(
                f'Key {removed} will be removed because they are not found '
                'in published_keys. If you want to keep them, please set '
                f'`{removed}` in published_keys',
                logger='current')
        sha = hashlib.sha256(pickle.dumps(checkpoint)).hexdigest()
        final_path = osp.splitext(ckpt_path)[0] + f'-{sha[:8]}.pth'
        save_checkpoint(
            checkpoint,
            final_path,
            file_client_args=self.file_client_args,
            backend_args=self.backend_args)
        print_log(
            f'The checkpoint ({ckpt_path}) is published to {final_path}.',
            logger='current')
