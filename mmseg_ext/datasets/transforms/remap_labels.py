# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Map label ids through a table, e.g. to merge classes of a dataset."""
import csv
import os.path as osp
from typing import Dict, Mapping, Optional, Union

import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS


def _as_id(value, what: str) -> int:
    is_int = isinstance(value, (int, np.integer))
    if not is_int or isinstance(value, (bool, np.bool_)):
        raise TypeError(f'RemapLabels: {what} {value!r} is not an integer')
    return int(value)


def load_label_table(path: str) -> Dict[int, int]:
    """Read a ``source_id,target_id`` CSV file into a dict.

    Blank lines, ``#`` comments, a header row and extra columns are skipped.

    Args:
        path (str): CSV file.

    Returns:
        dict[int, int]: The table.

    Raises:
        FileNotFoundError: If the file does not exist.
        ValueError: On a malformed row or a repeated source id.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'RemapLabels: label table {path} not found')
    table: Dict[int, int] = {}
    with open(path, newline='') as f:
        for line_no, row in enumerate(csv.reader(f), start=1):
            cells = [c.strip() for c in row]
            if not any(cells) or cells[0].startswith('#'):
                continue
            try:
                src, dst = int(cells[0]), int(cells[1])
            except (ValueError, IndexError):
                if line_no == 1 and not table:
                    continue  # header
                raise ValueError(
                    f'RemapLabels: {path}:{line_no}: expected '
                    f'"source_id,target_id", got {",".join(row)!r}')
            if src in table:
                raise ValueError(
                    f'RemapLabels: {path}:{line_no}: source id {src} is '
                    f'mapped twice ({table[src]} and {dst})')
            table[src] = dst
    return table


@TRANSFORMS.register_module()
class RemapLabels(BaseTransform):
    """Replace every id of ``gt_seg_map`` by its entry in a lookup table.

    Merges or reorders classes, e.g. ADE20K's 150 into 25. Place it right
    after ``LoadAnnotations``, so crops and later steps see the new ids. The
    table is checked at build; ``ignore_index`` stays ``ignore_index``.

    Required keys: ``gt_seg_map``. Modified keys: ``gt_seg_map``.

    Args:
        table (dict | str): ``{source_id: target_id}``, or a CSV path
            (:func:`load_label_table`).
        num_classes (int): Number of classes after remapping.
        num_source_classes (int, optional): Source ids must be below it.
        ignore_index (int): The ignore label. Default 255.
        unknown (str): Ids missing from the table: ``'error'`` (default)
            raises naming the file, ``'ignore'`` maps them to
            ``ignore_index``.
    """

    def __init__(self,
                 table: Union[Mapping[int, int], str],
                 num_classes: int,
                 num_source_classes: Optional[int] = None,
                 ignore_index: int = 255,
                 unknown: str = 'error') -> None:
        if unknown not in ('error', 'ignore'):
            raise ValueError("RemapLabels: unknown must be 'error' or "
                             f"'ignore', got {unknown!r}")
        self.table_file = table if isinstance(table, str) else None
        if isinstance(table, str):
            table = load_label_table(table)
        elif not isinstance(table, Mapping):
            raise TypeError('RemapLabels: table must be a dict or a CSV path, '
                            f'got {type(table).__name__}')
        self.num_classes = _as_id(num_classes, 'num_classes')
        self.num_source_classes = (None if num_source_classes is None else
                                   _as_id(num_source_classes,
                                          'num_source_classes'))
        self.ignore_index = _as_id(ignore_index, 'ignore_index')
        self.unknown = unknown
        self.table = self._validated(table)
        size = max([self.ignore_index, *self.table]) + 1
        # -1 marks ids the table does not know.
        self._lut = np.full(size, -1, dtype=np.int64)
        self._lut[self.ignore_index] = self.ignore_index
        for src, dst in self.table.items():
            self._lut[src] = dst

    def _validated(self, table: Mapping) -> Dict[int, int]:
        out = {}
        for src, dst in table.items():
            src = _as_id(src, 'source id')
            dst = _as_id(dst, f'target id of source {src}')
            if src < 0 or (self.num_source_classes is not None
                           and src >= self.num_source_classes):
                raise ValueError(f'RemapLabels: source id {src} is outside '
                                 f'[0, {self.num_source_classes or "inf"})')
            if src == self.ignore_index and dst != self.ignore_index:
                raise ValueError(
                    f'RemapLabels: the ignore index {src} must stay '
                    f'ignored, the table maps it to {dst}')
            if not (0 <= dst < self.num_classes or dst == self.ignore_index):
                raise ValueError(
                    f'RemapLabels: source id {src} maps to {dst}, outside '
                    f'[0, {self.num_classes}) and not the ignore index '
                    f'{self.ignore_index}')
            out[src] = dst
        return out

    def transform(self, results: dict) -> dict:
        if 'gt_seg_map' not in results:
            raise KeyError('RemapLabels needs gt_seg_map: place it after '
                           'LoadAnnotations')
        seg = results['gt_seg_map']
        ids = np.unique(seg).astype(np.int64)
        if ids.size == 0:
            return results
        known = (ids >= 0) & (ids < self._lut.size)
        known[known] = self._lut[ids[known]] >= 0
        if not known.all():
            if self.unknown == 'error':
                path = results.get('seg_map_path', '<label map>')
                raise ValueError(
                    f'RemapLabels: label map {path} holds ids '
                    f'{ids[~known].tolist()} that the table does not map '
                    "(set unknown='ignore' to map them to "
                    f'{self.ignore_index})')
        lut_ids = np.where(known, ids, self.ignore_index)
        new_ids = self._lut[lut_ids]
        positions = np.searchsorted(ids, seg)
        out = new_ids[positions]
        dtype = seg.dtype if np.can_cast(
            np.min_scalar_type(max(int(new_ids.max()), 0)),
            seg.dtype) else np.int64
        results['gt_seg_map'] = out.astype(dtype, copy=False)
        return results

    def __repr__(self) -> str:
        source = (
            repr(self.table_file)
            if self.table_file else f'<{len(self.table)} entries>')
        return (f'{type(self).__name__}(table={source}, '
                f'num_classes={self.num_classes}, '
                f'num_source_classes={self.num_source_classes}, '
                f'ignore_index={self.ignore_index}, '
                f'unknown={self.unknown!r})')
