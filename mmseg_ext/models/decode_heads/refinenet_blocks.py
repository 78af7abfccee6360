# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Building blocks of RefineNet (Lin et al., CVPR 2017).

`RefineNet: Multi-Path Refinement Networks for High-Resolution Semantic
Segmentation <https://arxiv.org/abs/1611.06612>`_, Sec. 3.2 and Fig. 2:

RCU (Fig. 2b), MRF (Fig. 2c), CRP (Fig. 2d) and the block (Fig. 2a). Every
resize targets the other tensor's exact ``(H, W)``, so any input size works.
"""
from typing import List, Optional, Sequence

import torch
import torch.nn as nn
import torch.utils.checkpoint as cp
from mmcv.cnn import ConvModule, build_activation_layer
from mmseg.models.utils import resize
from torch import Tensor

#: The CRP orders: the paper's Fig. 2d pools then convolves; the "improved"
#: pooling of the official MATLAB training code convolves then pools.
CRP_ORDERS = ('pool_conv', 'conv_pool')
#: Activations that take an ``inplace`` argument.
_INPLACE_ACTS = ('ReLU', 'ReLU6', 'LeakyReLU', 'ELU', 'Hardswish', 'SiLU')


def _out_of_place(act_cfg: Optional[dict]) -> Optional[dict]:
    """``act_cfg`` with ``inplace=False``: RCU and CRP activate tensors
    that are also the residual."""
    if act_cfg is None:
        return None
    act_cfg = dict(act_cfg)
    if 'inplace' in act_cfg or act_cfg.get('type') in _INPLACE_ACTS:
        act_cfg['inplace'] = False
    return act_cfg


def _check_kernel_size(name: str, kernel_size: int) -> None:
    if not (isinstance(kernel_size, int) and kernel_size > 0
            and kernel_size % 2 == 1):
        raise ValueError(f'{name} must be a positive odd int (same-size '
                         f'padding), got {kernel_size!r}')


class ResidualConvUnit(nn.Module):
    """Residual Conv Unit: ``x + conv2(act(conv1(act(x))))``, (N, C, H, W).

    Args:
        channels (int): Input and output channels ``C``.
        kernel_size (int): Conv kernel size (3 in the paper).
        conv_cfg, norm_cfg (dict | None): Layer configs (no norm in the
            paper).
        act_cfg (dict | None): Config of the pre-activations.
    """

    def __init__(self,
                 channels: int,
                 kernel_size: int = 3,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: Optional[dict] = None,
                 act_cfg: Optional[dict] = dict(type='ReLU')):
        super().__init__()
        _check_kernel_size('ResidualConvUnit kernel_size', kernel_size)
        common = dict(
            padding=kernel_size // 2,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=_out_of_place(act_cfg),
            inplace=False,
            order=('act', 'conv', 'norm'))
        # Bias layout of the official port: the first conv has a bias, the
        # second not (unless a norm layer follows, which makes it useless).
        self.conv1 = ConvModule(
            channels, channels, kernel_size, bias=norm_cfg is None, **common)
        self.conv2 = ConvModule(
            channels, channels, kernel_size, bias=False, **common)

    def forward(self, x: Tensor) -> Tensor:
        return x + self.conv2(self.conv1(x))


class MultiResolutionFusion(nn.Module):
    """Multi-Resolution Fusion: a conv per path, resize to the largest
    input, sum. (N, C_i, H_i, W_i) inputs -> (N, C, H_max, W_max).

    Args:
        in_channels (Sequence[int]): Channels of each input path.
        channels (int): Output channels ``C``.
        kernel_size (int): Conv kernel size (3; 1 in Light-Weight RefineNet).
        conv_cfg, norm_cfg (dict | None): Layer configs.
        align_corners (bool): ``align_corners`` of the bilinear resize.
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 channels: int,
                 kernel_size: int = 3,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: Optional[dict] = None,
                 align_corners: bool = False):
        super().__init__()
        _check_kernel_size('MultiResolutionFusion kernel_size', kernel_size)
        self.align_corners = align_corners
        self.convs = nn.ModuleList(
            ConvModule(
                in_ch,
                channels,
                kernel_size,
                padding=kernel_size // 2,
                bias=False,
                conv_cfg=conv_cfg,
                norm_cfg=norm_cfg,
                act_cfg=None) for in_ch in in_channels)

    def forward(self, inputs: List[Tensor]) -> Tensor:
        if len(inputs) != len(self.convs):
            raise ValueError(f'MultiResolutionFusion expects {len(self.convs)}'
                             f' inputs, got {len(inputs)}')
        size = max((x.shape[2:] for x in inputs), key=lambda s: s[0] * s[1])
        out = None
        for conv, x in zip(self.convs, inputs):
            x = conv(x)
            if x.shape[2:] != size:
                x = resize(
                    x,
                    size=size,
                    mode='bilinear',
                    align_corners=self.align_corners)
            out = x if out is None else out + x
        return out


class SameSizeMaxPool2d(nn.MaxPool2d):
    """Stride-1 max pooling that keeps the size (padding ``k // 2``).

    CPU tensors are pooled in a channels-last copy (docs/benchmarks.md)
    and returned in the input's layout, with the same values and
    gradients.

    Args:
        kernel_size (int): Odd pooling window.
    """

    def __init__(self, kernel_size: int) -> None:
        _check_kernel_size('SameSizeMaxPool2d kernel_size', kernel_size)
        super().__init__(kernel_size, stride=1, padding=kernel_size // 2)

    def forward(self, x: Tensor) -> Tensor:
        """(N, C, H, W) -> (N, C, H, W)."""
        if (x.device.type != 'cpu' or x.dim() != 4
                or x.is_contiguous(memory_format=torch.channels_last)):
            return super().forward(x)
        pooled = super().forward(
            x.contiguous(memory_format=torch.channels_last))
        return pooled.contiguous()


class ChainedResidualPool(nn.Module):
    """Chained Residual Pooling, (N, C, H, W) -> (N, C, H, W).

    ``x = act(x)``; then ``path = conv(pool(path))`` (or ``pool(conv(path))``
    with ``order='conv_pool'``) ``num_blocks`` times from ``x``, each
    ``path`` added onto ``x``.

    Args:
        channels (int): Input and output channels ``C``.
        num_blocks (int): Pool + conv blocks (4 in the official code).
        pool_size (int): Stride-1 max-pool window (5 in the paper).
        kernel_size (int): Conv kernel size (3; 1 in Light-Weight RefineNet).
        order (str): ``'pool_conv'`` (paper) or ``'conv_pool'`` (MATLAB).
        conv_cfg, norm_cfg (dict | None): Layer configs.
        act_cfg (dict | None): Config of the leading activation.
    """

    def __init__(self,
                 channels: int,
                 num_blocks: int = 4,
                 pool_size: int = 5,
                 kernel_size: int = 3,
                 order: str = 'pool_conv',
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: Optional[dict] = None,
                 act_cfg: Optional[dict] = dict(type='ReLU')):
        super().__init__()
        if order not in CRP_ORDERS:
            raise ValueError(f'ChainedResidualPool order must be one of '
                             f'{CRP_ORDERS}, got {order!r}')
        if not (isinstance(num_blocks, int) and num_blocks >= 0):
            raise ValueError('ChainedResidualPool num_blocks must be an int '
                             f'>= 0, got {num_blocks!r}')
        _check_kernel_size('ChainedResidualPool pool_size', pool_size)
        _check_kernel_size('ChainedResidualPool kernel_size', kernel_size)
        self.order = order
        if act_cfg is None:
            self.activate = nn.Identity()
        else:
            self.activate = build_activation_layer(_out_of_place(act_cfg))
        self.pool = SameSizeMaxPool2d(pool_size)
        self.convs = nn.ModuleList(
            ConvModule(
                channels,
                channels,
                kernel_size,
                padding=kernel_size // 2,
                bias=False,
                conv_cfg=conv_cfg,
                norm_cfg=norm_cfg,
                act_cfg=None) for _ in range(num_blocks))

    def forward(self, x: Tensor) -> Tensor:
        x = self.activate(x)
        path = x
        for conv in self.convs:
            if self.order == 'pool_conv':
                path = conv(self.pool(path))
            else:
                path = self.pool(conv(path))
            x = x + path
        return x


class RefineNetBlock(nn.Module):
    """One RefineNet block: adaptation conv and RCUs on ``feature``, MRF
    with the coarser block's output (if any), CRP, output RCUs.

    ``feature`` (N, C_in, H, W) and ``coarser`` (N, C_coarser, H', W') or
    None give (N, C, H, W), the larger of the two sizes.

    Args:
        in_channels (int): Channels of the backbone feature.
        channels (int): Width ``C`` of the block.
        coarser_channels (int | None): Channels of the coarser block's
            output; None for the first block (no fusion).
        num_adapt_rcus (int): RCUs after the adaptation conv.
        num_output_rcus (int): RCUs at the block output.
        conv_kernel_size (int): Kernel of the adaptation, MRF and CRP convs.
        rcu_kernel_size (int): Kernel of the RCU convs.
        crp_num_blocks, crp_pool_size, crp_order: Of
            :class:`ChainedResidualPool`.
        conv_cfg, norm_cfg, act_cfg (dict | None): Layer configs.
        align_corners (bool): ``align_corners`` of the MRF resize.
        with_cp (bool): Gradient checkpointing of each unit. Default: False.
    """

    def __init__(self,
                 in_channels: int,
                 channels: int,
                 coarser_channels: Optional[int] = None,
                 num_adapt_rcus: int = 2,
                 num_output_rcus: int = 3,
                 conv_kernel_size: int = 3,
                 rcu_kernel_size: int = 3,
                 crp_num_blocks: int = 4,
                 crp_pool_size: int = 5,
                 crp_order: str = 'pool_conv',
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: Optional[dict] = None,
                 act_cfg: Optional[dict] = dict(type='ReLU'),
                 align_corners: bool = False,
                 with_cp: bool = False):
        super().__init__()
        _check_kernel_size('RefineNetBlock conv_kernel_size', conv_kernel_size)
        self.with_cp = with_cp
        for name, value in (('num_adapt_rcus', num_adapt_rcus),
                            ('num_output_rcus', num_output_rcus)):
            if not (isinstance(value, int) and value >= 0):
                raise ValueError(f'RefineNetBlock {name} must be an int >= 0,'
                                 f' got {value!r}')
        layer_cfgs = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg)
        self.adapt_conv = ConvModule(
            in_channels,
            channels,
            conv_kernel_size,
            padding=conv_kernel_size // 2,
            bias=False,
            act_cfg=None,
            **layer_cfgs)
        self.adapt_rcus = nn.Sequential(*[
            ResidualConvUnit(
                channels, rcu_kernel_size, act_cfg=act_cfg, **layer_cfgs)
            for _ in range(num_adapt_rcus)
        ])
        self.fusion = None
        if coarser_channels is not None:
            self.fusion = MultiResolutionFusion((channels, coarser_channels),
                                                channels,
                                                conv_kernel_size,
                                                align_corners=align_corners,
                                                **layer_cfgs)
        self.crp = ChainedResidualPool(
            channels,
            crp_num_blocks,
            crp_pool_size,
            conv_kernel_size,
            crp_order,
            act_cfg=act_cfg,
            **layer_cfgs)
        self.output_rcus = nn.Sequential(*[
            ResidualConvUnit(
                channels, rcu_kernel_size, act_cfg=act_cfg, **layer_cfgs)
            for _ in range(num_output_rcus)
        ])
        self._reset_conv_parameters()

    def _reset_conv_parameters(self) -> None:
        """PyTorch's default conv init, as the official PyTorch ports:
        ``ConvModule``'s Kaiming init makes the un-normalised residual sums
        explode (configs/refinenet/README.md)."""
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                m.reset_parameters()

    def forward(self,
                feature: Tensor,
                coarser: Optional[Tensor] = None) -> Tensor:
        if (coarser is None) != (self.fusion is None):
            raise ValueError(
                'RefineNetBlock: a coarser input is '
                f'{"required" if self.fusion is not None else "not expected"}'
                ' (blocks after the first fuse the previous block output)')
        checkpointed = self.with_cp and self.training and \
            torch.is_grad_enabled()

        def run(module: nn.Module, *args) -> Tensor:
            if checkpointed:
                return cp.checkpoint(module, *args, use_reentrant=False)
            return module(*args)

        x = run(self.adapt_conv, feature)
        for rcu in self.adapt_rcus:
            x = run(rcu, x)
        if self.fusion is not None:
            x = run(self.fusion, [x, coarser])
        x = run(self.crp, x)
        for rcu in self.output_rcus:
            x = run(rcu, x)
        return x
