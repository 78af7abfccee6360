# Copyright (c) mmseg_ext contributors. All rights reserved.
"""mmseg's ``LoadAnnotations`` that names the file it could not read."""
from mmseg.datasets.transforms import LoadAnnotations
from mmseg.registry import TRANSFORMS


class UnreadableLabelMapError(OSError):
    """A label map file is missing, truncated or not an image."""


@TRANSFORMS.register_module()
class LoadCheckedAnnotations(LoadAnnotations):
    """``LoadAnnotations`` whose read errors name the label map.

    mmseg's loader reports a corrupt label PNG as a bare ``OSError`` or
    ``NoneType`` error; here it is an :class:`UnreadableLabelMapError` naming
    the file. Results without ``seg_map_path`` (a bare image at inference)
    pass unchanged.
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
