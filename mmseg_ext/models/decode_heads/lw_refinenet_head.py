# Copyright (c) mmseg_ext contributors. All rights reserved.
from typing import Sequence, Union

from mmseg.registry import MODELS

from .refinenet_head import RefineNetHead


@MODELS.register_module()
class LightWeightRefineNetHead(RefineNetHead):
    """Light-Weight RefineNet decode head.

    `Light-Weight RefineNet <https://arxiv.org/abs/1810.03272>`_ (Nekrasov et
    al., BMVC 2018), as the official code: :class:`RefineNetHead` with no
    RCUs, 1x1 adaptation, fusion and CRP convs and no dropout; only the
    defaults differ.

    Args:
        num_adapt_rcus (int | Sequence[int]): Default: 0.
        num_output_rcus (int | Sequence[int]): Default: 0.
        conv_kernel_size (int): Default: 1.
        dropout_ratio (float): Default: 0 (the official model drops out
            backbone stages instead).
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
