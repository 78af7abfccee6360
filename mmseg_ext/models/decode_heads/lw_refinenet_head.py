# Copyright (c) mmseg_ext contributors. All rights reserved.
from typing import Sequence, Union

from mmseg.registry import MODELS

from .refinenet_head import RefineNetHead


@MODELS.register_module()
class LightWeightRefineNetHead(RefineNetHead):
    """Light-Weight RefineNet decode head.

    This head is the implementation of `Light-Weight RefineNet for Real-Time
    Semantic Segmentation <https://arxiv.org/abs/1810.03272>`_ (Nekrasov et
    al., BMVC 2018), as in the official DrSleep/light-weight-refinenet code:
    the RefineNet cascade of :class:`RefineNetHead` without any RCU, with
    1x1 adaptation, fusion and CRP convs (CRP: 4 x (5x5 stride-1 max-pool ->
    1x1 conv)), 512 channels on the coarsest path and 256 on the others,
    and a 3x3 classifier. The official model has no dropout before the
    classifier (it drops out the two coarsest backbone stages instead),
    hence ``dropout_ratio=0``.

    Every :class:`RefineNetHead` option stays available; only the defaults
    differ.

    Args:
        num_adapt_rcus (int | Sequence[int]): RCUs after each adaptation
            conv. Default: 0.
        num_output_rcus (int | Sequence[int]): RCUs at each block output.
            Default: 0.
        conv_kernel_size (int): Kernel of the adaptation, MRF and CRP convs.
            Default: 1.
        dropout_ratio (float): Dropout before the classifier. Default: 0.
        **kwargs: Other :class:`RefineNetHead` arguments.
    """

    def __init__(self,
                 num_adapt_rcus: Union[int, Sequence[int]] = 0,
                 num_output_rcus: Union[int, Sequence[int]] = 0,
                 conv_kernel_size: int = 1,
                 dropout_ratio: float = 0.,
                 **kwargs):
        super().__init__(
            num_adapt_rcus=num_adapt_rcus,
            num_output_rcus=num_output_rcus,
            conv_kernel_size=conv_kernel_size,
            dropout_ratio=dropout_ratio,
            **kwargs)
