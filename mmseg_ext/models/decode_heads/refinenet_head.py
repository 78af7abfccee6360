# Copyright (c) mmseg_ext contributors. All rights reserved.
from typing import List, Optional, Sequence, Union

import torch.nn as nn
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.registry import MODELS
from torch import Tensor

from ..utils.config_checks import (LabelCheckMixin, check_in_index_length,
                                   check_input_channels,
                                   check_stages_finest_first)
from .refinenet_blocks import RefineNetBlock


def _per_block(owner: str, name: str, value: Union[int, Sequence[int]],
               num_blocks: int) -> List[int]:
    """Broadcast an int option to every block or check a per-block list."""
    if isinstance(value, int):
        return [value] * num_blocks
    if not isinstance(value, (list, tuple)) or len(value) != num_blocks:
        raise ValueError(f'{owner} {name} must be an int or a sequence of '
                         f'{num_blocks} ints (one per block, coarsest '
                         f'first), got {value!r}')
    return list(value)


@MODELS.register_module()
class RefineNetHead(LabelCheckMixin, BaseDecodeHead):
    """RefineNet decode head: a cascade of multi-path refinement blocks.

    `RefineNet <https://arxiv.org/abs/1611.06612>`_ (Lin et al., CVPR 2017):
    the selected stages are refined from the coarsest to the finest; block 0
    takes the coarsest stage alone, each later :class:`RefineNetBlock` fuses
    the next finer stage with the previous output. Then dropout and a
    ``cls_kernel_size`` classifier. Defaults follow the paper and the official
    code (configs/refinenet/README.md). Features (N, C_i, H_i, W_i), finest
    first, give (N, num_classes, H_0, W_0) logits.

    Args:
        block_channels (Sequence[int] | None): Width of each block, coarsest
            first; the last equals ``channels``. None: ``2 * channels`` for
            the coarsest, ``channels`` for the others (paper: 512 / 256).
        num_adapt_rcus (int | Sequence[int]): RCUs after each adaptation
            conv, for all blocks or per block. Default: 2.
        num_output_rcus (int | Sequence[int]): RCUs at each block output.
            Default: 3 (official code).
        conv_kernel_size (int): Kernel of the adaptation, MRF and CRP convs.
            Default: 3.
        rcu_kernel_size (int): Kernel of the RCU convs. Default: 3.
        crp_num_blocks (int): Pool + conv blocks in each CRP. Default: 4.
        crp_pool_size (int): Max-pool window of the CRP. Default: 5.
        crp_order (str): ``'pool_conv'`` (paper) or ``'conv_pool'`` (MATLAB
            code). Default: 'pool_conv'.
        cls_kernel_size (int): Kernel of ``conv_seg``. Default: 3.
        dropout_ratio (float): Dropout before the classifier. Default: 0.5.
        with_cp (bool): Gradient checkpointing of every unit of every block.
            Default: False.
        input_transform (str): Must be ``'multiple_select'``.
        **kwargs: Other :class:`BaseDecodeHead` arguments; ``in_channels``
            and ``in_index`` list the stages finest first.
    """

    def __init__(self,
                 block_channels: Optional[Sequence[int]] = None,
                 num_adapt_rcus: Union[int, Sequence[int]] = 2,
                 num_output_rcus: Union[int, Sequence[int]] = 3,
                 conv_kernel_size: int = 3,
                 rcu_kernel_size: int = 3,
                 crp_num_blocks: int = 4,
                 crp_pool_size: int = 5,
                 crp_order: str = 'pool_conv',
                 cls_kernel_size: int = 3,
                 dropout_ratio: float = 0.5,
                 with_cp: bool = False,
                 input_transform: str = 'multiple_select',
                 **kwargs):
        if input_transform != 'multiple_select':
            raise ValueError(f'{type(self).__name__} fuses several stages: '
                             "input_transform must be 'multiple_select', got "
                             f'{input_transform!r}')
        in_channels = kwargs.get('in_channels')
        if not isinstance(in_channels, (list, tuple)) or len(in_channels) < 2:
            raise ValueError(
                f'{type(self).__name__} refines coarse stages with finer '
                'ones: in_channels must list 2 or more stages (finest '
                f'first), got {in_channels!r}')
        check_in_index_length(
            type(self).__name__, in_channels, kwargs.get('in_index', -1))
        super().__init__(
            input_transform=input_transform,
            dropout_ratio=dropout_ratio,
            **kwargs)
        num_blocks = len(self.in_channels)
        if block_channels is None:
            block_channels = [2 * self.channels] + [self.channels] * (
                num_blocks - 1)
        owner = type(self).__name__
        block_channels = _per_block(owner, 'block_channels', block_channels,
                                    num_blocks)
        if block_channels[-1] != self.channels:
            raise ValueError(f'{owner}: the last (finest) block feeds '
                             'the classifier, so block_channels[-1] '
                             f'({block_channels[-1]}) must equal channels '
                             f'({self.channels})')
        adapt_rcus = _per_block(owner, 'num_adapt_rcus', num_adapt_rcus,
                                num_blocks)
        output_rcus = _per_block(owner, 'num_output_rcus', num_output_rcus,
                                 num_blocks)
        if not (isinstance(cls_kernel_size, int) and cls_kernel_size > 0
                and cls_kernel_size % 2 == 1):
            raise ValueError(f'{owner} cls_kernel_size must be a '
                             f'positive odd int, got {cls_kernel_size!r}')

        self.refine_blocks = nn.ModuleList()
        stage_channels = self.in_channels[::-1]  # coarsest first
        for i in range(num_blocks):
            self.refine_blocks.append(
                RefineNetBlock(
                    stage_channels[i],
                    block_channels[i],
                    coarser_channels=block_channels[i - 1] if i else None,
                    num_adapt_rcus=adapt_rcus[i],
                    num_output_rcus=output_rcus[i],
                    conv_kernel_size=conv_kernel_size,
                    rcu_kernel_size=rcu_kernel_size,
                    crp_num_blocks=crp_num_blocks,
                    crp_pool_size=crp_pool_size,
                    crp_order=crp_order,
                    conv_cfg=self.conv_cfg,
                    norm_cfg=self.norm_cfg,
                    act_cfg=self.act_cfg,
                    align_corners=self.align_corners,
                    with_cp=with_cp))
        self.conv_seg = nn.Conv2d(
            self.channels,
            self.out_channels,
            cls_kernel_size,
            padding=cls_kernel_size // 2)

    def _forward_feature(self, inputs: List[Tensor]) -> Tensor:
        """Selected stages (N, C_i, H_i, W_i), finest first ->
        (N, channels, H_0, W_0) features.
        """
        check_input_channels(self, inputs)
        feats = self._transform_inputs(inputs)
        check_stages_finest_first(self, feats)
        x = None
        for block, feat in zip(self.refine_blocks, feats[::-1]):
            x = block(feat, x)
        return x

    def forward(self, inputs: List[Tensor]) -> Tensor:
        """Forward function: :math:`(N, K, H_0, W_0)` class logits."""
        return self.cls_seg(self._forward_feature(inputs))
