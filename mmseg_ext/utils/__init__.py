# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Utilities: :mod:`.benchmark`, the timing and peak-memory meters of the
benchmark scripts (imported on its own)."""
