# Copyright (c) mmseg_ext contributors. All rights reserved.
"""WiderResNet (WRN38-A2): strides, widths, official layout, options."""
import math

import pytest
import torch
import torch.nn as nn
from mmseg.registry import MODELS

from mmseg_ext.models.backbones.wider_resnet import PreActResidualBlock

#: Tiny widths with the WRN38-A2 shape (two-conv, then bottlenecks).
TINY = dict(
    type='WiderResNet',
    stem_channels=4,
    num_blocks=(1, 1, 2, 1, 1, 1),
    channels=((4, 8), (8, 8), (8, 12), (8, 16), (8, 8, 16), (8, 16, 24)))
TINY_WIDTHS = [4, 8, 8, 12, 16, 16, 24]


def expected_shape(size, stride):
    return tuple(math.ceil(s / stride) for s in size)


@pytest.mark.parametrize('size', [(33, 47), (64, 64), (17, 5)])
def test_dilated_output_strides_and_widths(size):
    model = MODELS.build(TINY)
    model.init_weights()
    model.eval()
    assert model.out_channels == TINY_WIDTHS
    with torch.no_grad():
        outs = model(torch.randn(1, 3, *size))
    assert len(outs) == 7
    for out, width, stride in zip(outs, TINY_WIDTHS, (1, 2, 4, 8, 8, 8, 8)):
        assert out.shape[:2] == (1, width)
        assert tuple(out.shape[2:]) == expected_shape(size, stride)


def test_undilated_output_strides_and_out_indices():
    model = MODELS.build(
        dict(
            TINY,
            strides=(1, 1, 2, 2, 2, 1),
            dilations=(1, ) * 6,
            out_indices=(1, 4, 6)))
    model.eval()
    with torch.no_grad():
        outs = model(torch.randn(2, 3, 45, 70))
    assert [tuple(o.shape[1:]) for o in outs] == [
        (8, *expected_shape((45, 70), 2)),
        (16, *expected_shape((45, 70), 16)),
        (24, *expected_shape((45, 70), 32)),
    ]


def test_train_backward_batch_one_and_checkpointing():
    torch.manual_seed(0)
    model = MODELS.build(dict(TINY, dropouts=(0., ) * 6))
    model.init_weights()
    x = torch.randn(1, 3, 21, 19)
    model.train()
    loss = sum(o.float().mean() for o in model(x))
    loss.backward()
    grads = [p.grad.clone() for p in model.parameters()]
    assert all(torch.isfinite(g).all() for g in grads)
    cp_model = MODELS.build(dict(TINY, dropouts=(0., ) * 6, with_cp=True))
    cp_model.load_state_dict(model.state_dict())
    cp_model.train()
    model.zero_grad()
    cp_loss = sum(o.float().mean() for o in cp_model(x))
    cp_loss.backward()
    torch.testing.assert_close(cp_loss, loss)
    for g, p in zip(grads, cp_model.parameters()):
        torch.testing.assert_close(p.grad, g)


def test_official_layout_on_meta_device():
    """Full WRN38-A2 widths: official parameter count and key names."""
    with torch.device('meta'):
        model = MODELS.build(dict(type='WiderResNet'))
    # nv-tlabs/GSCNN wider_resnet38_a2 mod1..mod7: 105,062,720 parameters
    assert sum(p.numel() for p in model.parameters()) == 105_062_720
    state = model.state_dict()
    assert len(state) == 223
    assert tuple(state['mod7.block1.convs.conv3.weight'].shape) == (4096, 2048,
                                                                    1, 1)
    for key in ('mod1.conv1.weight', 'mod2.block1.bn1.0.weight',
                'mod2.block1.convs.conv1.weight',
                'mod2.block1.convs.bn2.0.running_var',
                'mod2.block1.proj_conv.weight',
                'mod4.block6.convs.conv2.weight',
                'mod6.block1.convs.bn3.0.num_batches_tracked'):
        assert key in state
    assert 'mod3.block2.proj_conv.weight' not in state  # identity shortcut
    drops = {
        name: m.p
        for name, m in model.named_modules() if isinstance(m, nn.Dropout2d)
    }
    assert drops == {
        'mod6.block1.convs.dropout': 0.3,
        'mod7.block1.convs.dropout': 0.5
    }
    # the official constructor sets nn.Dropout = nn.Dropout2d globally
    assert nn.Dropout is torch.nn.modules.dropout.Dropout
    conv = model.mod6.block1.convs.conv2
    assert conv.dilation == (4, 4) and conv.padding == (4, 4)
    assert model.mod5.block1.convs.conv1.dilation == (2, 2)
    assert model.mod4.block1.convs.conv1.stride == (2, 2)


def test_pre_activation_block_math():
    torch.manual_seed(0)
    block = PreActResidualBlock(6, (6, 6)).eval()
    x = torch.randn(2, 6, 7, 9)
    with torch.no_grad():
        pre = torch.relu(block.bn1[0](x))
        inner = block.convs.conv1(pre)
        inner = block.convs.conv2(torch.relu(block.convs.bn2[0](inner)))
        torch.testing.assert_close(block(x), inner + x)
    proj = PreActResidualBlock(6, (4, 4, 10), stride=2).eval()
    assert proj.proj_conv is not None
    assert tuple(proj(x).shape) == (2, 10, 4, 5)


def test_norm_eval_and_bad_arguments():
    model = MODELS.build(dict(TINY, norm_eval=True))
    model.train()
    assert not model.mod2.block1.bn1[0].training
    assert model.training
    with pytest.raises(ValueError, match='out_indices'):
        MODELS.build(dict(TINY, out_indices=(7, )))
    with pytest.raises(ValueError, match='strides'):
        MODELS.build(dict(TINY, strides=(1, 2)))
    with pytest.raises(ValueError, match=r'\(N, 3, H, W\)'):
        MODELS.build(TINY)(torch.zeros(1, 4, 8, 8))
