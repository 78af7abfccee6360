# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Plot training loss, mIoU and boundary scores against iteration, from
a run's ``WORK_DIR/<timestamp>/vis_data/scalars.json`` logs (resumed
launches merged): docs/metrics.md.
"""
import argparse
import os.path as osp
from typing import List, Optional, Tuple

from benchmarking.run_results import Series, plot_panels
from benchmarking.run_results import read_scalars as _read_scalars


def read_scalars(work_dir: str) -> Tuple[Series, Series]:
    """:func:`benchmarking.run_results.read_scalars`, exiting with its
    message when the logs are missing or broken."""
    try:
        return _read_scalars(work_dir)
    except (FileNotFoundError, ValueError) as error:
        raise SystemExit(str(error))


def plot_curves(work_dir: str, out: Optional[str] = None) -> str:
    """Draw loss, mIoU (and Boundary IoU) and boundary F-scores to a PNG
    (default ``WORK_DIR/curves.png``); returns its path."""
    train, val = read_scalars(work_dir)

    def short(key: str) -> str:  # without an evaluator prefix ('x/BF@3px')
        return key.rsplit('/', 1)[-1]

    # full keys as labels: 'BF@2px' and 'gscnn/BF@2px' are two protocols
    panels = [('training loss', 'loss',
               [('loss', train['loss'])] if 'loss' in train else []),
              ('mIoU / Boundary IoU', '%', [(k, v) for k, v in val.items()
                                            if short(k) in ('mIoU', 'BIoU')]),
              ('boundary F-score', '%', [(k, v) for k, v in val.items()
                                         if short(k).startswith('BF@')])]
    panels = [p for p in panels if p[2]]
    if not panels:
        raise SystemExit(f'no loss, mIoU or BF@ scalars in {work_dir!r}')
    out = out or osp.join(work_dir, 'curves.png')
    plot_panels(panels, out, title=osp.basename(osp.normpath(work_dir)))
    return out


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(
        description='Plot loss, mIoU and boundary F-score of a run')
    parser.add_argument('work_dir', help='work directory of the run')
    parser.add_argument(
        '--out', help='PNG to write (default: WORK_DIR/curves.png)')
    args = parser.parse_args(argv)
    print(f'[mmseg_ext] curves: {plot_curves(args.work_dir, args.out)}')


if __name__ == '__main__':
    main()
