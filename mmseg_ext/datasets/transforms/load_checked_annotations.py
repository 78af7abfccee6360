# Copyright (c) mmseg_ext contributors. All rights reserved.
"""mmseg's ``LoadAnnotations`` that names the file it could not read."""
from mmseg.datasets.transforms import LoadAnnotations
from mmseg.registry import TRANSFORMS


class UnreadableLabelMapError(OSError):
    """A label map file is missing, truncated or not an image."""


@TRANSFORMS.register_module()
class LoadCheckedAnnotations(LoadAnnotations):
    """``LoadAnnotations`` whose read errors name the label map.

    mmseg's loader reports a corrupt or truncated label PNG as a bare
    ``OSError: Truncated File Read`` (pillow) or ``NoneType`` error (cv2)
    with no file name. This subclass takes the same arguments and re-raises
    such failures as :class:`UnreadableLabelMapError` naming the file.
    (Unreadable *images* are already named by ``LoadImageFromFile``:
    ``failed to load image: PATH``.)

    Results without a ``seg_map_path`` key (a bare image, as mmseg's
    ``inference_model`` and ``MMSegInferencer`` feed the config's test
    pipeline; they drop only ``LoadAnnotations`` from it) pass unchanged.
    """

    def transform(self, results: dict) -> dict:
        if 'seg_map_path' not in results:
            return results
        return super().transform(results)

    def _load_seg_map(self, results: dict) -> None:
        path = results.get('seg_map_path', '<unknown>')
        try:
            super()._load_seg_map(results)
        except Exception as e:
            raise UnreadableLabelMapError(
                f'cannot read label map {path}: {type(e).__name__}: {e} '
                '(the file is missing, truncated or not an image)') from e
        if results.get('gt_seg_map') is None:
            raise UnreadableLabelMapError(f'cannot read label map {path}')
