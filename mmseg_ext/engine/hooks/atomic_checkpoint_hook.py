# Copyright (c) mmseg_ext contributors. All rights reserved.
"""CheckpointHook whose files are never left half-written."""
import os.path as osp

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook
from mmseg.registry import HOOKS

from ..checkpoint_files import atomic_write


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """mmengine's ``CheckpointHook`` with atomic writes.

    Both the checkpoint file and the ``last_checkpoint`` pointer are written
    to a temporary file and renamed into place, so a job killed (SIGKILL,
    preemption, full disk) while saving never leaves ``last_checkpoint``
    pointing at a truncated file: it names the previous, complete
    checkpoint until the new one is complete. Drop-in replacement: it takes
    ``CheckpointHook``'s arguments; for local folders (no ``backend_args``)
    it uses the ``local_atomic`` file backend.
    """

    def __init__(self, *args, **kwargs) -> None:
        if (kwargs.get('backend_args') is None
                and kwargs.get('file_client_args') is None):
            kwargs['backend_args'] = dict(backend='local_atomic')
        super().__init__(*args, **kwargs)

    def _save_checkpoint_with_step(self, runner, step, meta) -> None:
        ckpt_filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir,
                                                     ckpt_filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        runner.save_checkpoint(
            self.out_dir,
            ckpt_filename,
            self.file_client_args,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler,
            meta=meta,
            by_epoch=self.by_epoch,
            backend_args=self.backend_args,
            **self.args)
        if is_main_process():
            atomic_write(self.last_ckpt,
                         osp.join(runner.work_dir, 'last_checkpoint'))
