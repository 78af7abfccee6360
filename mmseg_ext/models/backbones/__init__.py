# Copyright (c) mmseg_ext contributors. All rights reserved.
