# Copyright (c) mmseg_ext contributors. All rights reserved.
"""CheckpointHook whose checkpoint files are never left half-written."""
from mmengine.hooks import CheckpointHook
from mmseg.registry import HOOKS


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """mmengine's ``CheckpointHook`` writing through an atomic file backend.

    Every checkpoint the hook saves (``iter_*``/``epoch_*``, ``best_*`` and
    the last one) goes through its file backend; for a local folder this
    hook selects the ``local_atomic`` backend
    (:class:`~mmseg_ext.engine.AtomicLocalBackend`), which writes a
    temporary file in the same folder, fsyncs it and renames it into
    place. A job killed while saving (SIGKILL, preemption, full disk)
    therefore leaves the previous checkpoints intact and never a truncated
    ``iter_N.pth``. Everything else (``interval``, ``max_keep_ckpts``,
    ``save_last``, ``save_best``/``rule``, ``published_keys``,
    ``out_dir``, ``filename_tmpl``, ``save_begin``, resuming the kept and
    best checkpoints) is mmengine's own logic, unchanged.

    Two small writes stay mmengine's: the ``last_checkpoint`` pointer (a
    path, written after the checkpoint it names is complete) and the
    ``published_keys`` copy made once at the end of training. A pointer
    torn by a kill is handled by
    :func:`~mmseg_ext.engine.find_latest_complete_checkpoint`, which
    ``tools/train.py --resume`` uses to pick the newest complete file.

    Args:
        *args, **kwargs: ``CheckpointHook``'s arguments. When neither
            ``backend_args`` nor ``file_client_args`` is given and the
            output folder is local (no ``scheme://`` prefix), the hook uses
            ``backend_args=dict(backend='local_atomic')``; given arguments
            and remote folders are left as they are.
    """

    def before_train(self, runner) -> None:
        out_dir = self.out_dir if self.out_dir is not None else \
            runner.work_dir
        if (self.backend_args is None and self.file_client_args is None
                and '://' not in str(out_dir)):
            self.backend_args = dict(backend='local_atomic')
        super().before_train(runner)
