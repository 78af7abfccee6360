# Copyright (c) mmseg_ext contributors. All rights reserved.
"""The edge-aware ASPP of Gated-SCNN's fusion module.

`Gated-SCNN <https://arxiv.org/abs/1907.05740>`_, Sec. 3.3: an ASPP
(`DeepLabV3 <https://arxiv.org/abs/1706.05587>`_) with one more branch,
the fused boundary map resized to the ASPP input and projected by a 1x1
conv. The image-pooling branch has no norm, so it trains at one image per
device (configs/gscnn/README.md); :func:`fold_legacy_image_pool` folds the
norm of older checkpoints into the conv.
"""
from typing import Dict, Sequence

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmseg.models.decode_heads.aspp_head import ASPPModule
from mmseg.models.decode_heads.sep_aspp_head import \
    DepthwiseSeparableASPPModule
from mmseg.models.utils import resize
from torch import Tensor

from ..utils.checkpointing import maybe_checkpoint


class EdgeAwareASPP(nn.Module):
    """ASPP branches plus Gated-SCNN's edge branch.

    Args:
        dilations (Sequence[int]): Dilation rates (1 is the 1x1 branch).
        in_channels (int): Channels of the ASPP input.
        channels (int): Channels of each branch.
        conv_cfg (dict, optional): Config of conv layers.
        norm_cfg (dict, optional): Config of norm layers (not in the
            image-pooling branch).
        act_cfg (dict): Config of activations.
        align_corners (bool): Of the edge map's resize. Default: False.
        with_cp (bool): Gradient checkpointing of the module. Default: False.
    """

    def __init__(self,
                 dilations: Sequence[int],
                 in_channels: int,
                 channels: int,
                 conv_cfg=None,
                 norm_cfg=None,
                 act_cfg=dict(type='ReLU'),
                 align_corners: bool = False,
                 with_cp: bool = False):
        super().__init__()
        if not dilations:
            raise ValueError(f'{type(self).__name__}: at least one dilation '
                             f'needed, got {dilations}')
        self.dilations = tuple(dilations)
        self.align_corners = align_corners
        self.with_cp = with_cp
        self.out_channels = (len(self.dilations) + 2) * channels
        self.image_pool = nn.Sequential(
            nn.AdaptiveAvgPool2d(1),
            ConvModule(
                in_channels,
                channels,
                1,
                conv_cfg=conv_cfg,
                norm_cfg=None,
                act_cfg=act_cfg))
        self.edge_branch = ConvModule(
            1,
            channels,
            1,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg)
        self.aspp_modules = self.build_aspp_modules(
            dilations=self.dilations,
            in_channels=in_channels,
            channels=channels,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg)

    def build_aspp_modules(self, **kwargs) -> nn.ModuleList:
        """The dilated branches (mmseg's ``ASPPModule``)."""
        return ASPPModule(**kwargs)

    def forward(self, x: Tensor, fused_edge: Tensor) -> Tensor:
        """Concatenated branches.

        Args:
            x (Tensor): ASPP input, (N, in_channels, h, w).
            fused_edge (Tensor): Fused edge map, (N, 1, H, W), any size.

        Returns:
            Tensor: (N, out_channels, h, w): image pooling, edge, dilated
            branches (the official order).
        """
        return maybe_checkpoint(
            self._branches, x, fused_edge, with_cp=self.with_cp)

    def _branches(self, x: Tensor, fused_edge: Tensor) -> Tensor:
        size = x.shape[2:]
        pooled = self.image_pool(x).expand(-1, -1, *size)
        edge = resize(
            fused_edge.to(x.dtype),
            size=size,
            mode='bilinear',
            align_corners=self.align_corners)
        return torch.cat(
            [pooled, self.edge_branch(edge), *self.aspp_modules(x)], dim=1)


class DepthwiseSeparableEdgeAwareASPP(EdgeAwareASPP):
    """:class:`EdgeAwareASPP` with depthwise separable dilated branches
    (`DeepLabV3+ <https://arxiv.org/abs/1802.02611>`_)."""

    def build_aspp_modules(self, **kwargs) -> nn.ModuleList:
        """mmseg's ``DepthwiseSeparableASPPModule``."""
        return DepthwiseSeparableASPPModule(**kwargs)


#: Head-level prefixes of the ASPP parts before they moved into ``aspp.``.
_LEGACY_PARTS = ('image_pool.', 'edge_branch.', 'aspp_modules.')


def fold_legacy_image_pool(state_dict: Dict[str, Tensor],
                           prefix: str,
                           eps: float = 1e-5) -> None:
    """Migrate a head's pre-``EdgeAwareASPP`` keys in place.

    ``{prefix}{image_pool,edge_branch,aspp_modules}.*`` move under
    ``{prefix}aspp.``, and the image-pool BatchNorm is folded into its conv:
    identical outputs in eval mode.

    Args:
        state_dict (dict): A state dict, modified in place.
        prefix (str): Prefix of the head's keys, e.g. ``'decode_head.'``.
        eps (float): ``eps`` of the folded BatchNorm. Default: 1e-5.
    """
    legacy = [
        k for k in state_dict
        if k.startswith(tuple(prefix + p for p in _LEGACY_PARTS))
    ]
    for key in legacy:
        state_dict[prefix + 'aspp.' + key[len(prefix):]] = state_dict.pop(key)
    pool = prefix + 'aspp.image_pool.1.'
    if pool + 'bn.running_var' not in state_dict:
        return
    bn = {
        name: state_dict.pop(pool + 'bn.' + name)
        for name in ('weight', 'bias', 'running_mean', 'running_var')
    }
    state_dict.pop(pool + 'bn.num_batches_tracked', None)
    weight = state_dict[pool + 'conv.weight']
    scale = bn['weight'] / torch.sqrt(bn['running_var'] + eps)
    state_dict[pool + 'conv.weight'] = weight * scale.reshape(-1, 1, 1, 1)
    state_dict[pool + 'conv.bias'] = bn['bias'] - bn['running_mean'] * scale


def load_legacy_aspp_keys(head: nn.Module) -> None:
    """Let ``head`` (with ``head.aspp``) load checkpoints from before the
    ASPP became a module: registers a load-state-dict pre-hook, run before the
    head reads its keys, that applies :func:`fold_legacy_image_pool` with the
    ``eps`` of the head's ``norm_cfg``.
    """
    head._register_load_state_dict_pre_hook(
        _fold_legacy_keys, with_module=True)


def _fold_legacy_keys(head: nn.Module, state_dict: Dict[str, Tensor],
                      prefix: str, *args) -> None:
    eps = (getattr(head, 'norm_cfg', None) or {}).get('eps', 1e-5)
    fold_legacy_image_pool(state_dict, prefix, eps)
