# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Plot training loss, mIoU and boundary scores against iteration.

Reads the mmengine JSON logs of a run, ``WORK_DIR/<timestamp>/vis_data/
scalars.json``, resumed launches merged (see
:mod:`benchmarking.run_results`).

Example::

    python tools/analysis/plot_curves.py work_dirs/my_run --out curves.png
"""
import argparse
import os.path as osp
from typing import List, Optional, Tuple

from benchmarking.run_results import Series
from benchmarking.run_results import read_scalars as _read_scalars


def read_scalars(work_dir: str) -> Tuple[Series, Series]:
    """:func:`benchmarking.run_results.read_scalars`, exiting with its
    message when the logs are missing or broken."""
    try:
        return _read_scalars(work_dir)
    except (FileNotFoundError, ValueError) as error:
        raise SystemExit(str(error))


def _short(key: str) -> str:
    """Metric name without an evaluator prefix (``'x/BF@3px'``)."""
    return key.rsplit('/', 1)[-1]


def plot_curves(work_dir: str, out: Optional[str] = None) -> str:
    """Draw loss, mIoU (and Boundary IoU) and boundary F-scores to a PNG.

    Args:
        work_dir (str): The run's work directory.
        out (str, optional): PNG path. Defaults to
            ``WORK_DIR/curves.png``.

    Returns:
        str: The PNG path.
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    train, val = read_scalars(work_dir)
    region = [k for k in val if _short(k) in ('mIoU', 'BIoU')]
    boundary = [k for k in val if _short(k).startswith('BF@')]
    panels = [('training loss', 'loss', ['loss'] if 'loss' in train else []),
              ('mIoU / Boundary IoU', '%', region),
              ('boundary F-score', '%', boundary)]
    panels = [p for p in panels if p[2]]
    if not panels:
        raise SystemExit(f'no loss, mIoU or BF@ scalars in {work_dir!r}')
    fig, axes = plt.subplots(
        1, len(panels), figsize=(5 * len(panels), 3.8), squeeze=False)
    for ax, (title, unit, keys) in zip(axes[0], panels):
        for key in keys:
            series = train[key] if title == 'training loss' else val[key]
            xs, ys = zip(*series)
            ax.plot(
                xs,
                ys,
                marker='' if len(xs) > 30 else 'o',
                markersize=3,
                # the full key: 'BF@2px' and 'gscnn/BF@2px' are two
                # protocols of one tolerance
                label=key)
        ax.set_title(title)
        ax.set_xlabel('iteration')
        ax.set_ylabel(unit)
        ax.grid(alpha=0.3)
        if len(keys) > 1 or title != 'training loss':
            ax.legend(fontsize=8)
    fig.suptitle(osp.basename(osp.normpath(work_dir)), fontsize=10)
    fig.tight_layout()
    out = out or osp.join(work_dir, 'curves.png')
    fig.savefig(out, dpi=100)
    plt.close(fig)
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
