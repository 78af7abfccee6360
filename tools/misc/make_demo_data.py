# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Generate the embedded synthetic demo dataset (Cityscapes layout).

Example::

    python tools/misc/make_demo_data.py --out data/demo_cityscapes
"""
from mmseg_ext.datasets.demo_cityscapes import main

if __name__ == '__main__':
    main()
