# Copyright (c) mmseg_ext contributors. All rights reserved.
"""The windows of mmseg's sliding-window inference."""
from typing import Iterator, Sequence, Tuple


def _starts_ends(size: int, crop: int,
                 stride: int) -> Iterator[Tuple[int, int]]:
    """1-D windows: ``ceil((size - crop) / stride) + 1`` of them, the last
    one moved back to end at ``size``; one window when ``crop >= size``."""
    count = max(size - crop + stride - 1, 0) // stride + 1
    for i in range(count):
        end = min(i * stride + crop, size)
        yield max(end - crop, 0), end


def sliding_windows(
        size: Sequence[int], crop_size: Sequence[int],
        stride: Sequence[int]) -> Iterator[Tuple[int, int, int, int]]:
    """``(y1, y2, x1, x2)`` of every window, row by row, as mmseg's
    ``EncoderDecoder.slide_inference`` visits them.

    Args:
        size (Sequence[int]): ``(H, W)`` of the image.
        crop_size (Sequence[int]): ``(h, w)`` of a window.
        stride (Sequence[int]): ``(h, w)`` step between windows.
    """
    (height, width), (h_crop, w_crop) = size, crop_size
    h_stride, w_stride = stride
    for y1, y2 in _starts_ends(height, h_crop, h_stride):
        for x1, x2 in _starts_ends(width, w_crop, w_stride):
            yield y1, y2, x1, x2
