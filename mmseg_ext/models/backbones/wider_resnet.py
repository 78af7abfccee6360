# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Wider ResNet-38 A2 (pre-activation), the backbone of Gated-SCNN.

Wider ResNet-38 (Wu, Shen & van den Hengel, "Wider or Deeper: Revisiting
the ResNet Model for Visual Recognition", Pattern Recognition 2019) in its
``A2`` layout, as `Gated-SCNN <https://arxiv.org/abs/1907.05740>`_ uses it:
dilated to output stride 8, Dropout2d in the two bottleneck modules. Names
follow the official code, so its keys convert by one prefix rule
(docs/gscnn_losses.md, "Backbone note").
"""
from collections import OrderedDict
from typing import List, Optional, Sequence, Tuple

import torch.nn as nn
import torch.utils.checkpoint as cp
from mmcv.cnn import build_activation_layer, build_conv_layer, build_norm_layer
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from mmseg.utils import OptConfigType
from torch import Tensor
from torch.nn.modules.batchnorm import _BatchNorm

#: WRN38-A2 channels of each module's blocks, (mid, out) for the two-conv
#: blocks and (mid, mid, out) for the bottlenecks (official values).
WRN38_A2_CHANNELS = ((128, 128), (256, 256), (512, 512), (512, 1024),
                     (512, 1024, 2048), (1024, 2048, 4096))


class PreActResidualBlock(nn.Module):
    """Pre-activation residual block: ``convs(act(norm(x))) + shortcut``.

    The shortcut is ``x``, or a 1x1 projection of the pre-activated input when
    the stride or width changes. ``convs`` is 3x3 -> 3x3 (two widths) or the
    1x1 -> 3x3 -> 1x1 bottleneck (three), stride on the first conv, dilation
    on the 3x3 convs, Dropout2d before the last.

    Args:
        in_channels (int): Input channels.
        channels (Sequence[int]): Conv widths (2 or 3); the last is the output.
        stride (int): Stride of the first conv (and the projection).
        dilation (int): Dilation of the 3x3 convs.
        dropout (float): Dropout2d probability before the last conv.
        conv_cfg (dict, optional): Config of the conv layers.
        norm_cfg (dict): Config of the norm layers.
        act_cfg (dict): Config of the activations.
    """

    def __init__(
        self,
        in_channels: int,
        channels: Sequence[int],
        stride: int = 1,
        dilation: int = 1,
        dropout: float = 0.0,
        conv_cfg: OptConfigType = None,
        norm_cfg: dict = dict(type='BN'),
        act_cfg: dict = dict(type='ReLU', inplace=True)
    ) -> None:
        super().__init__()
        if len(channels) not in (2, 3):
            raise ValueError('PreActResidualBlock: channels must hold 2 or '
                             f'3 widths, got {tuple(channels)}.')

        def norm_act(num_channels: int) -> nn.Sequential:
            return nn.Sequential(
                build_norm_layer(norm_cfg, num_channels)[1],
                build_activation_layer(act_cfg))

        def conv(in_ch: int,
                 out_ch: int,
                 kernel: int,
                 conv_stride: int = 1,
                 conv_dilation: int = 1) -> nn.Module:
            return build_conv_layer(
                conv_cfg,
                in_ch,
                out_ch,
                kernel,
                stride=conv_stride,
                padding=conv_dilation * (kernel // 2),
                dilation=conv_dilation,
                bias=False)

        self.bn1 = norm_act(in_channels)
        layers = []
        if len(channels) == 2:
            layers += [('conv1',
                        conv(in_channels, channels[0], 3, stride, dilation)),
                       ('bn2', norm_act(channels[0]))]
        else:
            layers += [('conv1', conv(in_channels, channels[0], 1, stride)),
                       ('bn2', norm_act(channels[0])),
                       ('conv2', conv(channels[0], channels[1], 3,
                                      1, dilation)),
                       ('bn3', norm_act(channels[1]))]
        if dropout > 0:
            layers.append(('dropout', nn.Dropout2d(dropout)))
        last = 'conv2' if len(channels) == 2 else 'conv3'
        last_kernel = 3 if len(channels) == 2 else 1
        layers.append((last,
                       conv(channels[-2], channels[-1], last_kernel, 1,
                            dilation if last_kernel == 3 else 1)))
        self.convs = nn.Sequential(OrderedDict(layers))
        if stride != 1 or in_channels != channels[-1]:
            self.proj_conv = conv(in_channels, channels[-1], 1, stride)
        else:
            self.proj_conv = None

    def forward(self, x: Tensor) -> Tensor:
        """(N, C_in, H, W) -> (N, C_out, H / stride, W / stride)."""
        pre = self.bn1(x)
        shortcut = x if self.proj_conv is None else self.proj_conv(pre)
        return self.convs(pre) + shortcut


@MODELS.register_module()
class WiderResNet(BaseModule):
    """Wider ResNet-38 A2 backbone (pre-activation), as in Gated-SCNN.

    Outputs 0..6 are ``mod1``..``mod7``, the raw residual sums (the next block
    normalises them); the official ``bn_out`` is not built. Widths and output
    strides (official widths):

    ======  =====  ========  ===================================
    index   name   channels  stride: default | strides=(1, 1, 2,
                             2, 2, 1), dilations=(1,)*6
    ======  =====  ========  ===================================
    0       mod1   64        1 | 1
    1       mod2   128       2 | 2
    2       mod3   256       4 | 4
    3       mod4   512       8 | 8
    4       mod5   1024      8 | 16
    5       mod6   2048      8 | 32
    6       mod7   4096      8 | 32
    ======  =====  ========  ===================================

    Args:
        in_channels (int): Input image channels. Default 3.
        stem_channels (int): Width of the ``mod1`` 3x3 conv. Default 64.
        num_blocks (Sequence[int]): Blocks of ``mod2``..``mod7``.
            Default (3, 3, 6, 3, 1, 1) (WRN38).
        channels (Sequence[Sequence[int]]): Conv widths of each module's
            blocks. Default :data:`WRN38_A2_CHANNELS`.
        strides (Sequence[int]): Stride of the first block of ``mod2``..
            ``mod7`` (``mod2``/``mod3`` follow a stride-2 max pool).
            Default (1, 1, 2, 1, 1, 1).
        dilations (Sequence[int]): Dilation of the 3x3 convs of ``mod2``..
            ``mod7``. Default (1, 1, 1, 2, 4, 4): output stride 8.
        dropouts (Sequence[float]): Dropout2d probability per module.
            Default (0, 0, 0, 0, 0.3, 0.5) (official).
        out_indices (Sequence[int]): Outputs to return. Default all seven.
        conv_cfg (dict, optional): Config of the conv layers.
        norm_cfg (dict): Config of the norm layers. Default BN.
        act_cfg (dict): Config of the activations. Default ReLU.
        norm_eval (bool): Keep norm layers in eval mode. Default False.
        with_cp (bool): Gradient checkpointing per block. Default False.
        pretrained (str, optional): Deprecated, use ``init_cfg``.
        init_cfg (dict or list[dict], optional): Initialisation config.
    """

    def __init__(self,
                 in_channels: int = 3,
                 stem_channels: int = 64,
                 num_blocks: Sequence[int] = (3, 3, 6, 3, 1, 1),
                 channels: Sequence[Sequence[int]] = WRN38_A2_CHANNELS,
                 strides: Sequence[int] = (1, 1, 2, 1, 1, 1),
                 dilations: Sequence[int] = (1, 1, 1, 2, 4, 4),
                 dropouts: Sequence[float] = (0., 0., 0., 0., 0.3, 0.5),
                 out_indices: Sequence[int] = (0, 1, 2, 3, 4, 5, 6),
                 conv_cfg: OptConfigType = None,
                 norm_cfg: dict = dict(type='BN', requires_grad=True),
                 act_cfg: dict = dict(type='ReLU', inplace=True),
                 norm_eval: bool = False,
                 with_cp: bool = False,
                 pretrained: Optional[str] = None,
                 init_cfg: OptConfigType = None) -> None:
        if pretrained is not None:
            if init_cfg is not None:
                raise ValueError('WiderResNet: give init_cfg or pretrained, '
                                 'not both.')
            init_cfg = dict(type='Pretrained', checkpoint=pretrained)
        elif init_cfg is None:
            init_cfg = [
                dict(type='Kaiming', layer='Conv2d'),
                dict(
                    type='Constant', val=1, layer=['_BatchNorm', 'GroupNorm'])
            ]
        super().__init__(init_cfg)
        for name, values in (('channels', channels), ('strides', strides),
                             ('dilations', dilations), ('dropouts', dropouts)):
            if len(values) != len(num_blocks):
                raise ValueError(
                    f'WiderResNet: {name} needs one entry per module '
                    f'({len(num_blocks)}, as num_blocks), got {len(values)}.')
        num_outputs = len(num_blocks) + 1
        if not out_indices or any(not 0 <= i < num_outputs
                                  for i in out_indices):
            raise ValueError(
                f'WiderResNet: out_indices must be in [0, {num_outputs}) '
                f'(mod1..mod{num_outputs}), got {tuple(out_indices)}.')
        self.out_indices = tuple(out_indices)
        self.norm_eval = norm_eval
        self.with_cp = with_cp
        self.mod1 = nn.Sequential(
            OrderedDict(
                conv1=build_conv_layer(
                    conv_cfg,
                    in_channels,
                    stem_channels,
                    3,
                    padding=1,
                    bias=False)))
        self.out_channels: List[int] = [stem_channels]
        block_in = stem_channels
        for mod_id, num in enumerate(num_blocks):
            if mod_id < 2:  # A2: mod2 and mod3 follow a max pool
                self.add_module(f'pool{mod_id + 2}',
                                nn.MaxPool2d(3, stride=2, padding=1))
            blocks = []
            for block_id in range(num):
                blocks.append(
                    (f'block{block_id + 1}',
                     PreActResidualBlock(
                         block_in,
                         channels[mod_id],
                         stride=strides[mod_id] if block_id == 0 else 1,
                         dilation=dilations[mod_id],
                         dropout=dropouts[mod_id],
                         conv_cfg=conv_cfg,
                         norm_cfg=norm_cfg,
                         act_cfg=act_cfg)))
                block_in = channels[mod_id][-1]
            self.add_module(f'mod{mod_id + 2}',
                            nn.Sequential(OrderedDict(blocks)))
            self.out_channels.append(block_in)
        self.num_modules = len(num_blocks)

    def _run_module(self, module: nn.Sequential, x: Tensor) -> Tensor:
        for block in module:
            if self.with_cp and x.requires_grad:
                x = cp.checkpoint(block, x, use_reentrant=False)
            else:
                x = block(x)
        return x

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        """``(N, in_channels, H, W)`` images -> the selected outputs, each
        ``(N, C_i, ceil(H / s_i), ceil(W / s_i))`` (class table).
        """
        if x.dim() != 4 or x.shape[1] != self.mod1.conv1.in_channels:
            raise ValueError(
                'WiderResNet expects (N, '
                f'{self.mod1.conv1.in_channels}, H, W) images, got shape '
                f'{tuple(x.shape)}.')
        x = self.mod1(x)
        outs = [x]
        for mod_id in range(self.num_modules):
            if mod_id < 2:
                x = getattr(self, f'pool{mod_id + 2}')(x)
            x = self._run_module(getattr(self, f'mod{mod_id + 2}'), x)
            outs.append(x)
        return tuple(outs[i] for i in self.out_indices)

    def train(self, mode: bool = True) -> 'WiderResNet':
        """Set train mode, keeping norm layers in eval if ``norm_eval``."""
        super().train(mode)
        if mode and self.norm_eval:
            for module in self.modules():
                if isinstance(module, _BatchNorm):
                    module.eval()
        return self
