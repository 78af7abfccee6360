# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Generate the embedded synthetic demo dataset (Cityscapes layout).

Example::

    python tools/misc/make_demo_data.py --out data/demo_cityscapes
"""
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))))

from mmseg_ext.datasets.demo_cityscapes import main  # noqa: E402

if __name__ == '__main__':
    main()
