# Copyright (c) mmseg_ext contributors. All rights reserved.
"""What the parity scripts of this folder share.

``check_gscnn_parity.py``, ``check_semseg_parity.py`` and
``check_refinenet_parity.py`` compare an official model with the converted
one through the model's *own* inference outputs, never a resize of their
own: :func:`own_outputs` runs ``predict`` on the official normalised tensor
and ``test_step`` on the raw image through the data preprocessor;
:func:`compare` gives the figures of one comparison and
:func:`finish_report` prints and stores the report.
"""
import json
import sys
from typing import Optional, Tuple

import torch


def own_outputs(model: torch.nn.Module, image: torch.Tensor,
                bgr: torch.Tensor) -> Tuple[object, object]:
    """``predict`` and ``test_step`` data samples of one image.

    Args:
        model (nn.Module): The segmentor, in eval mode.
        image (Tensor): (1, 3, H, W), normalised as the official code does
            (mmseg's standard mean / std on RGB).
        bgr (Tensor): (3, H, W) ``uint8``, the same image before
            normalisation, in mmseg's BGR channel order.

    Returns:
        tuple: The ``SegDataSample`` of ``predict(image)`` and that of
        ``test_step`` (data preprocessor, then ``predict``), each with
        ``seg_logits`` (C, H, W) at input size.
    """
    from mmseg.structures import SegDataSample
    h, w = image.shape[2:]

    def sample() -> SegDataSample:
        return SegDataSample(
            metainfo=dict(
                img_shape=(h, w), ori_shape=(h, w), pad_shape=(h, w)))

    with torch.no_grad():
        pred = model.predict(image, [sample()])[0]
        test = model.test_step(dict(inputs=[bgr], data_samples=[sample()]))[0]
    return pred, test


def compare(ours: torch.Tensor, theirs: torch.Tensor) -> dict:
    """Max abs difference, the official scale and the argmax agreement
    (over the channel axis of (C, H, W) or (N, C, H, W) logits)."""
    ours, theirs = ours.detach().cpu(), theirs.detach().cpu()
    if ours.shape != theirs.shape:
        raise SystemExit(f'error: shape {tuple(ours.shape)} (ours) vs '
                         f'{tuple(theirs.shape)} (official)')
    dim = ours.dim() - 3
    return dict(
        max_abs_diff=(ours.double() - theirs.double()).abs().max().item(),
        max_abs_official=theirs.abs().max().item(),
        argmax_agreement=(
            ours.argmax(dim) == theirs.argmax(dim)).double().mean().item())


def finish_report(report: dict, passed: bool, out: Optional[str]) -> int:
    """Print ``report`` (with ``passed``) as JSON, write it to ``out`` if
    given; the exit status (0 when passed)."""
    report['passed'] = passed
    print(json.dumps(report, indent=2))
    if out:
        with open(out, 'w') as f:
            json.dump(report, f, indent=2)
    return 0 if passed else 1


if __name__ == '__main__':
    sys.exit('parity_checks.py is a module of the check_*_parity.py scripts')
