# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Atomic checkpoint writes and picking the newest complete checkpoint."""
import os
import os.path as osp
import re
import tempfile
import zipfile
from typing import List, Optional, Union

from mmengine.fileio import LocalBackend, register_backend

_CKPT_RE = re.compile(r'^(?:iter|epoch)_(\d+)\.pth$')


def atomic_write(data: Union[bytes, str], path: str) -> None:
    """Write ``data`` to ``path`` so that ``path`` is never seen half-written.

    The bytes go to a temporary file in the same folder, are flushed and
    fsync'ed, then renamed over ``path`` (``os.replace`` is atomic on POSIX
    and Windows within one file system). A kill at any moment leaves either
    the old file or the new one.
    """
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    mode = 'wb' if isinstance(data, bytes) else 'w'
    fd, tmp = tempfile.mkstemp(
        prefix=f'.{osp.basename(path)}.', suffix='.tmp', dir=folder)
    try:
        with os.fdopen(fd, mode) as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise


@register_backend('local_atomic')
class AtomicLocalBackend(LocalBackend):
    """mmengine's local file backend with atomic ``put``/``put_text``."""

    def put(self, obj: bytes, filepath) -> None:
        atomic_write(obj, str(filepath))

    def put_text(self, obj: str, filepath, encoding: str = 'utf-8') -> None:
        atomic_write(obj.encode(encoding), str(filepath))


def is_complete_checkpoint(path: str) -> bool:
    """Cheap integrity check of a ``torch.save`` file (zip format).

    Reads only the zip's central directory: a truncated file has none (or
    members that extend past its end). Legacy (non-zip) files cannot be
    checked this way and count as complete.
    """
    if not osp.isfile(path) or osp.getsize(path) == 0:
        return False
    if not zipfile.is_zipfile(path):
        with open(path, 'rb') as f:
            head = f.read(4)
        return head != b'PK\x03\x04'  # a zip start without its end: cut off
    size = osp.getsize(path)
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError):
        return False
    if not any(i.filename.endswith('data.pkl') for i in infos):
        return False
    return all(i.header_offset + i.compress_size <= size for i in infos)


def list_checkpoints(work_dir: str) -> List[str]:
    """``iter_*.pth`` / ``epoch_*.pth`` in ``work_dir``, newest first."""
    if not osp.isdir(work_dir):
        return []
    found = []
    for name in os.listdir(work_dir):
        m = _CKPT_RE.match(name)
        if m:
            found.append((int(m.group(1)), osp.join(work_dir, name)))
    return [p for _, p in sorted(found, reverse=True)]


def find_latest_complete_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint ``--resume`` should use, or None.

    ``last_checkpoint`` is trusted when it names a complete file; otherwise
    (missing, empty, or pointing at a truncated file) the newest complete
    ``iter_*.pth``/``epoch_*.pth`` in ``work_dir`` is used.
    """
    pointer = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(pointer):
        with open(pointer) as f:
            named = f.read().strip()
        if named and is_complete_checkpoint(named):
            newer = [
                p for p in list_checkpoints(work_dir)
                if _step(p) > _step(named) and is_complete_checkpoint(p)
            ]
            return newer[0] if newer else named
    for path in list_checkpoints(work_dir):
        if is_complete_checkpoint(path):
            return path
    return None


def _step(path: str) -> int:
    m = _CKPT_RE.match(osp.basename(path))
    return int(m.group(1)) if m else -1
