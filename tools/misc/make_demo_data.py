# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Generate the embedded synthetic demo dataset (Cityscapes layout).

Example::

    python tools/misc/make_demo_data.py --out data/demo_cityscapes
"""
import argparse
from typing import Optional, Sequence

from mmseg_ext.demo import DemoDataError, generate_demo_cityscapes


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(
        description='Generate the synthetic Cityscapes-layout demo dataset.')
    parser.add_argument('--out', default='data/demo_cityscapes')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--num-train', type=int, default=300)
    parser.add_argument('--num-val', type=int, default=60)
    parser.add_argument(
        '--size', type=int, nargs=2, default=(256, 512), metavar=('H', 'W'))
    parser.add_argument('--workers', type=int, default=None)
    args = parser.parse_args(argv)
    try:
        generate_demo_cityscapes(
            args.out,
            args.seed,
            args.num_train,
            args.num_val,
            args.size,
            args.workers,
            verbose=True)
    except DemoDataError as e:
        raise SystemExit(f'error: {e}')


if __name__ == '__main__':
    main()
