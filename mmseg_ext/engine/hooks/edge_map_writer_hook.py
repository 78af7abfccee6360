# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Write the predicted edge maps of a test run next to the label maps."""
import os.path as osp
from typing import Optional, Sequence

from mmengine.hooks import Hook
from mmseg.registry import HOOKS
from mmseg.structures import SegDataSample

from mmseg_ext.visualization import EDGE_SUFFIX, write_edge_map


@HOOKS.register_module()
class EdgeMapWriterHook(Hook):
    """Save ``pred_edge_map`` of every test image as an 8-bit PNG.

    With ``tools/test.py --out DIR``, beside mmseg's ``DIR/<name>.png`` it
    writes ``DIR/<name>_edge.png`` (:mod:`mmseg_ext.visualization.edge_map`)
    for shape-stream models, and logs the count at the end.

    Args:
        out_dir (str): Folder of the edge maps (``--out``).
    """

    priority = 'NORMAL'

    def __init__(self, out_dir: str) -> None:
        if not isinstance(out_dir, str) or not out_dir:
            raise ValueError('EdgeMapWriterHook: out_dir must be a non-empty '
                             f'folder path, got {out_dir!r}')
        self.out_dir = out_dir
        self.num_written = 0

    def before_test_epoch(self, runner) -> None:
        self.num_written = 0

    def after_test_iter(
            self,
            runner,
            batch_idx: int,
            data_batch: Optional[dict] = None,
            outputs: Optional[Sequence[SegDataSample]] = None) -> None:
        """Write the edge map of each output that carries one."""
        for sample in outputs or ():
            if 'pred_edge_map' not in sample:
                continue
            if 'img_path' not in sample:
                raise KeyError('EdgeMapWriterHook: the test output has no '
                               "'img_path' to name the edge map after")
            name = osp.splitext(osp.basename(sample.img_path))[0]
            write_edge_map(sample.pred_edge_map,
                           osp.join(self.out_dir, name + EDGE_SUFFIX),
                           type(self).__name__)
            self.num_written += 1

    def after_test_epoch(self, runner, metrics: Optional[dict] = None) -> None:
        if self.num_written:
            runner.logger.info(
                f'EdgeMapWriterHook: wrote {self.num_written} edge maps '
                f'(<image name>{EDGE_SUFFIX}) to {self.out_dir}')
        else:
            runner.logger.info(
                'EdgeMapWriterHook: no test output carried pred_edge_map '
                '(the model has no shape stream): no edge maps written')
