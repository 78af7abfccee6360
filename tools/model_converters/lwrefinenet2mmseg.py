# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Convert DrSleep/light-weight-refinenet checkpoints to mmseg_ext.

The official Light-Weight RefineNet ResNet-50/101/152 models
(``models/resnet.py``: ``rf_lw50/101/152``; VOC, NYUDv2, PASCAL-Person-Part
and PASCAL-Context checkpoints) use the key layout of RefineNet-101 without
the RCU keys (see ``refinenet2mmseg.py`` for the table); they map onto
``EncoderDecoder`` with mmseg's torchvision-style ``ResNet`` and
:class:`LightWeightRefineNetHead`. The depth and the number of classes are
read from the checkpoint.

The MobileNetV2 checkpoints (``models/mobilenet.py``: ``mbv2``) are refused
with an explanation: their first inverted residual block has a 1x1
expansion conv that mmseg's ``MobileNetV2`` does not have (expansion ratio
1), and their decoder fuses two backbone stages per block (1/32 and 1/16),
which is not the one-stage-per-block cascade of our head.

Example::

    python tools/model_converters/lwrefinenet2mmseg.py \\
        rf_lw50_voc.pth.tar work_dirs/lw-refinenet_r50b_voc_drsleep.pth
"""
import sys
from typing import Dict

import refinenet2mmseg as rf
import torch

from conversion_checks import ConversionError, config_path, run_conversion

DEFAULT_CONFIG = config_path(
    'refinenet', 'lw-refinenet_r50b-d32_4xb4-40k_voc12aug-512x512.py')


def check_not_mobilenet(state_dict: Dict[str, torch.Tensor],
                        source: str) -> None:
    """Refuse the official MobileNetV2 layout with the reason."""
    if 'segm.weight' in state_dict or 'conv8.weight' in state_dict:
        raise ConversionError(
            f'{source} is a Light-Weight RefineNet MobileNetV2 checkpoint '
            '(keys "conv8", "crp4", "segm"). It cannot be converted: its '
            'first inverted residual block has an expansion conv that '
            "mmseg's MobileNetV2 lacks and its decoder fuses two backbone "
            'stages per block. Nothing was written.')


def convert_file(src: str, dst: str, config=None) -> str:
    """Refuse MobileNetV2 checkpoints, then convert as ``refinenet2mmseg``
    does (same keys without RCUs), checked against the LW model."""
    check_not_mobilenet(rf.load_official(src), src)
    return rf.convert_file(src, dst, config, DEFAULT_CONFIG,
                           'lwrefinenet2mmseg')


def main(argv=None) -> int:
    args = rf.parse_args(
        'Convert DrSleep/light-weight-refinenet ResNet checkpoints to '
        'mmseg_ext', DEFAULT_CONFIG, argv)
    return run_conversion(
        lambda: convert_file(args.src, args.dst, args.config))


if __name__ == '__main__':
    sys.exit(main())
