# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Gated-SCNN losses: BoundaryBCELoss, EdgeAttentionLoss, DualTaskLoss."""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmseg.registry import MODELS

from mmseg_ext.models.losses.boundary_potential import (boundary_potential,
                                                        central_difference,
                                                        triangle_kernel,
                                                        triangle_smooth,
                                                        unit_step_response)
from mmseg_ext.models.losses.dual_task_loss import gumbel_noise


def softplus(x: float) -> float:
    return math.log1p(math.exp(x))


def two_region_label(num: int = 1,
                     height: int = 20,
                     width: int = 24,
                     split: int = 12) -> torch.Tensor:
    """Class 0 left of ``split``, class 1 right (plus a class-2 block)."""
    label = torch.zeros(num, height, width, dtype=torch.long)
    label[:, :, split:] = 1
    label[:, 3:7, 3:8] = 2 if num else 0
    return label


def logits_from(label: torch.Tensor,
                num_classes: int,
                scale: float = 100.0) -> torch.Tensor:
    one_hot = F.one_hot(label.clamp(0, num_classes - 1), num_classes)
    return scale * one_hot.permute(0, 3, 1, 2).float()


def assert_finite_backward(loss: torch.Tensor, *inputs: torch.Tensor):
    assert loss.dim() == 0 and loss.dtype == torch.float32
    assert torch.isfinite(loss)
    loss.backward()
    for tensor in inputs:
        if tensor.grad is not None:
            assert torch.isfinite(tensor.grad).all()


# --------------------------------------------------------------------------
# BoundaryBCELoss
# --------------------------------------------------------------------------
def test_boundary_bce_hand_computed_class_balance():
    loss_fn = MODELS.build(dict(type='BoundaryBCELoss'))
    assert loss_fn.loss_name == 'loss_edge'
    a, b, c, d = 0.3, -1.2, 2.0, 5.0
    logits = torch.tensor([[[[a, b], [c, d]]]], requires_grad=True)
    target = torch.tensor([[[1, 0], [0, 255]]])
    # 1 positive, 2 negatives among 3 valid pixels: w+ = 2/3, w- = 1/3
    expected = (2 / 3 * softplus(-a) + 1 / 3 * softplus(b) +
                1 / 3 * softplus(c)) / 3
    loss = loss_fn(logits, target)
    assert loss.item() == pytest.approx(expected, rel=1e-6)
    assert loss_fn(logits, target[:, None]).item() == pytest.approx(
        expected, rel=1e-6)  # (N, 1, H, W) target too
    loss.backward()
    assert logits.grad[0, 0, 1, 1] == 0  # the ignore pixel


def test_boundary_bce_single_sigmoid_and_weight():
    target = torch.tensor([[[1, 0, 0, 1]]])
    logits = torch.tensor([[[[20., -20., -20., 20.]]]])
    # a double sigmoid would floor the loss at softplus(-sigmoid(20)) > 0.3
    assert MODELS.build(dict(type='BoundaryBCELoss'))(logits, target) < 1e-6
    wrong = -logits
    base = MODELS.build(dict(type='BoundaryBCELoss'))(wrong, target)
    weighted = MODELS.build(dict(type='BoundaryBCELoss',
                                 loss_weight=20.0))(wrong, target)
    assert weighted.item() == pytest.approx(20 * base.item(), rel=1e-6)


def test_boundary_bce_resizes_logits():
    loss_fn = MODELS.build(dict(type='BoundaryBCELoss'))
    logits = torch.randn(2, 1, 5, 7)
    target = torch.randint(0, 2, (2, 11, 13))
    target[:, :2] = 255
    up = F.interpolate(logits, (11, 13), mode='bilinear', align_corners=False)
    assert loss_fn(logits, target).item() == pytest.approx(
        loss_fn(up, target).item(), rel=1e-6)


@pytest.mark.parametrize('fill', [0, 255])
def test_boundary_bce_no_boundary_or_all_ignore_is_zero(fill):
    logits = torch.randn(2, 1, 6, 9, requires_grad=True)
    target = torch.full((2, 1, 6, 9), fill)
    loss = MODELS.build(dict(type='BoundaryBCELoss'))(logits, target)
    assert loss.item() == 0.0
    assert_finite_backward(loss, logits)


def test_boundary_bce_bf16_autocast():
    torch.manual_seed(0)
    logits = torch.randn(2, 1, 9, 11)
    target = torch.randint(0, 2, (2, 9, 11))
    loss_fn = MODELS.build(dict(type='BoundaryBCELoss'))
    reference = loss_fn(logits.bfloat16().float(), target)
    half = logits.bfloat16().requires_grad_()
    with torch.autocast('cpu', dtype=torch.bfloat16):
        loss = loss_fn(half, target)
    assert loss.item() == pytest.approx(reference.item(), rel=1e-5)
    assert_finite_backward(loss, half)


def test_boundary_bce_bad_input():
    loss_fn = MODELS.build(dict(type='BoundaryBCELoss'))
    with pytest.raises(ValueError, match='other than 0, 1'):
        loss_fn(torch.zeros(1, 1, 2, 2), torch.full((1, 2, 2), 2))
    with pytest.raises(ValueError, match='1 channel'):
        loss_fn(torch.zeros(1, 2, 2, 2), torch.zeros(1, 2, 2).long())
    with pytest.raises(ValueError, match='edge_target'):
        loss_fn(torch.zeros(2, 1, 2, 2), torch.zeros(1, 2, 2).long())
    with pytest.raises(TypeError, match='integer'):
        loss_fn(torch.zeros(1, 1, 2, 2), torch.zeros(1, 2, 2))


# --------------------------------------------------------------------------
# EdgeAttentionLoss
# --------------------------------------------------------------------------
def test_edge_attention_matches_masked_cross_entropy():
    torch.manual_seed(0)
    loss_fn = MODELS.build(dict(type='EdgeAttentionLoss'))
    assert loss_fn.loss_name == 'loss_edge_att'
    seg = torch.randn(2, 4, 6, 7, requires_grad=True)
    label = torch.randint(0, 4, (2, 6, 7))
    label[0, 0] = 255
    edge = torch.randn(2, 1, 6, 7, requires_grad=True) * 3
    selected = (edge[:, 0].sigmoid() > 0.8) & (label != 255)
    assert selected.any() and not selected.all()
    per_pixel = F.cross_entropy(seg, label.clamp(max=3), reduction='none')
    expected = per_pixel[selected].mean()
    loss = loss_fn(seg, label, edge)
    assert loss.item() == pytest.approx(expected.item(), rel=1e-6)
    loss.backward()
    assert edge.grad is None  # a selection: no gradient into the edges
    assert (seg.grad.abs().sum(1)[~selected] == 0).all()


def test_edge_attention_zero_not_nan_when_nothing_passes():
    seg = torch.randn(2, 3, 5, 6, requires_grad=True)
    label = torch.randint(0, 3, (2, 5, 6))
    edge = torch.full((2, 1, 5, 6), -10.0)  # sigmoid ~ 0: nothing passes
    loss = MODELS.build(dict(type='EdgeAttentionLoss'))(seg, label, edge)
    assert loss.item() == 0.0
    assert_finite_backward(loss, seg)
    # all-ignore labels with confident edges: zero as well
    loss = MODELS.build(dict(type='EdgeAttentionLoss'))(seg,
                                                        torch.full_like(
                                                            label, 255), -edge)
    assert loss.item() == 0.0


def test_edge_attention_resizes_and_bf16():
    torch.manual_seed(1)
    loss_fn = MODELS.build(dict(type='EdgeAttentionLoss', threshold=0.5))
    seg = torch.randn(1, 5, 4, 5)
    edge = torch.randn(1, 1, 8, 10)
    label = torch.randint(0, 5, (1, 9, 11))
    up_seg = F.interpolate(seg, (9, 11), mode='bilinear', align_corners=False)
    up_edge = F.interpolate(
        edge, (9, 11), mode='bilinear', align_corners=False)
    assert loss_fn(seg, label, edge).item() == pytest.approx(
        loss_fn(up_seg, label, up_edge).item(), rel=1e-6)
    half = seg.bfloat16().requires_grad_()
    with torch.autocast('cpu', dtype=torch.bfloat16):
        loss = loss_fn(half, label, edge.bfloat16())
    assert loss.item() > 0
    assert_finite_backward(loss, half)


def test_edge_attention_bad_input():
    loss_fn = MODELS.build(dict(type='EdgeAttentionLoss'))
    # label ids are checked once by the head (test_gscnn.py); here the
    # loss still fails, in torch's own words, never silently
    with pytest.raises(IndexError, match='out of bounds'):
        loss_fn(
            torch.zeros(1, 3, 2, 2), torch.full((1, 2, 2), 3),
            torch.full((1, 1, 2, 2), 10.))
    with pytest.raises(ValueError, match='edge_logits'):
        loss_fn(
            torch.zeros(1, 3, 2, 2),
            torch.zeros(1, 2, 2).long(), torch.zeros(1, 3, 2, 2))
    with pytest.raises(ValueError, match='threshold'):
        MODELS.build(dict(type='EdgeAttentionLoss', threshold=1.5))


@pytest.mark.parametrize('align_corners', [False, True])
def test_edge_attention_equals_the_resized_masked_cross_entropy(align_corners):
    """The masked dense CE gives the loss and gradient of resizing the
    logits whole, then a cross-entropy over the selected pixels."""
    torch.manual_seed(2)
    seg = torch.randn(2, 6, 8, 9, dtype=torch.float64, requires_grad=True)
    edge = torch.randn(2, 1, 8, 9, dtype=torch.float64) * 3
    label = torch.randint(0, 6, (2, 29, 33))
    label[:, :4] = 255
    loss = MODELS.build(dict(type='EdgeAttentionLoss'))(
        seg, label, edge, align_corners=align_corners)
    (grad, ) = torch.autograd.grad(loss, seg)
    up_edge = F.interpolate(
        edge, (29, 33), mode='bilinear', align_corners=align_corners)
    selected = (up_edge[:, 0].sigmoid() > 0.8) & (label != 255)
    up_seg = F.interpolate(
        seg, (29, 33), mode='bilinear', align_corners=align_corners)
    expected = F.cross_entropy(
        up_seg, torch.where(selected, label, 255), ignore_index=255)
    (expected_grad, ) = torch.autograd.grad(expected, seg)
    # the loss computes in float32 whatever the input dtype
    assert loss.item() == pytest.approx(expected.item(), rel=1e-6)
    torch.testing.assert_close(grad, expected_grad, rtol=1e-4, atol=1e-7)


# --------------------------------------------------------------------------
# DualTaskLoss
# --------------------------------------------------------------------------
def test_triangle_filter_and_step_response():
    torch.testing.assert_close(
        triangle_kernel(4),
        torch.tensor([1., 2, 3, 4, 5, 4, 3, 2, 1]) / 25)
    for radius in (0, 1, 4, 7):
        assert triangle_kernel(radius).sum().item() == pytest.approx(1.0)
    # constants stay constant (symmetric borders), even when r > size
    flat = torch.full((1, 2, 3, 1), 0.25)
    torch.testing.assert_close(triangle_smooth(flat, 4), flat)
    # a sharp unit step reaches exactly the step response (normaliser)
    step = torch.zeros(1, 1, 5, 30)
    step[..., 15:] = 1.0
    reliable = torch.ones(1, 1, 5, 30, dtype=torch.bool)
    zeta = boundary_potential(step, 4, reliable)
    assert zeta.max().item() == pytest.approx(1.0, rel=1e-4)
    assert unit_step_response(4) == pytest.approx(0.18)
    # a weak (0.01-contrast) step is not inflated to 1 by normalisation
    weak = boundary_potential(0.5 + 0.01 * step, 4, reliable)
    assert weak.max().item() == pytest.approx(0.01, rel=1e-3)


def testcentral_difference_matches_numpy_gradient():
    for shape in ((1, 2, 1, 5), (2, 3, 2, 2), (1, 1, 7, 9)):
        maps = torch.randn(*shape)
        for dim in (2, 3):
            got = central_difference(maps, dim)
            if shape[dim] < 2:
                assert not got.any()
                continue
            expected = np.gradient(maps.numpy(), axis=dim)
            np.testing.assert_allclose(got.numpy(), expected, atol=1e-6)


@pytest.mark.parametrize('num_classes', [2, 25])
@pytest.mark.parametrize('gumbel', [False, True])
def test_dual_perfect_is_zero_and_shift_is_positive(num_classes, gumbel):
    torch.manual_seed(0)
    label = torch.randint(0, num_classes, (2, 4, 5))
    label = label.repeat_interleave(5, 1).repeat_interleave(5, 2)[:, :19]
    loss_fn = MODELS.build(dict(type='DualTaskLoss', gumbel=gumbel))
    assert loss_fn.loss_name == 'loss_dual'
    perfect = logits_from(label, num_classes).requires_grad_()
    loss = loss_fn(perfect, label)
    assert loss.item() == 0.0
    assert_finite_backward(loss, perfect)
    shifted = logits_from(torch.roll(label, 3, dims=2),
                          num_classes).requires_grad_()
    loss = loss_fn(shifted, label)
    assert loss.item() > 0.05
    assert_finite_backward(loss, shifted)


def test_dual_has_spatial_gradient_terms():
    """Unlike the shipped official loss (a dense L1 of probabilities,
    nv-tlabs/GSCNN#16), the loss only sees the maps' spatial gradients:
    pixels farther than 2 (r + 1) from every predicted and ground-truth
    boundary get no gradient, and a prediction that is wrong but flat
    there costs nothing there."""
    radius = 2
    label = torch.zeros(1, 24, 40, dtype=torch.long)
    label[:, :, 20:] = 1
    pred_label = torch.zeros_like(label)
    pred_label[:, :, 23:] = 1  # boundary moved by 3 px
    logits = logits_from(pred_label, 2, scale=2.0)
    logits[:, :, :, :8] = logits[:, :, :, :8].flip(1)  # wrong, flat region
    logits.requires_grad_()
    loss_fn = MODELS.build(
        dict(type='DualTaskLoss', gumbel=False, smooth_radius=radius))
    loss = loss_fn(logits, label)
    loss.backward()
    far = 2 * (radius + 1)
    columns = logits.grad.abs().sum(dim=(0, 1, 2))
    # columns 8 (the wrong block's edge) - far .. 23 + far are near a
    # boundary of the prediction or of the ground truth
    near = torch.zeros(40, dtype=torch.bool)
    for boundary in (8, 20, 23):
        near[max(0, boundary - far - 1):boundary + far + 1] = True
    assert columns[~near].abs().max() == 0
    assert columns[near].max() > 0
    # a dense L1 of probabilities (the official as-shipped behaviour)
    # differs in value and does send gradient to the far pixels
    dense_logits = logits.detach().requires_grad_()
    probs = F.softmax(dense_logits / 0.5, dim=1)
    one_hot = F.one_hot(label, 2).permute(0, 3, 1, 2).float()
    dense = (probs - one_hot).abs().mean()
    dense.backward()
    assert dense_logits.grad.abs().sum(dim=(0, 1, 2))[~near].min() > 0
    assert abs(dense.item() - loss.item()) > 1e-3


def test_dual_ignore_pixels_are_excluded():
    """Ignore pixels are not class 0: a void block inside class 0 creates
    no boundary, and the prediction inside it does not matter."""
    label = torch.zeros(1, 21, 23, dtype=torch.long)
    label[:, 6:14, 5:15] = 255
    label[:, :, 19:] = 1
    loss_fn = MODELS.build(dict(type='DualTaskLoss', gumbel=False))
    logits = logits_from(label, 2)
    base = loss_fn(logits, label)
    assert base.item() == 0.0
    noisy = logits.clone()
    noisy[:, :, 6:14, 5:15] = torch.randn(1, 2, 8, 10) * 10
    assert loss_fn(noisy, label).item() == 0.0
    # all-ignore: zero, finite, connected to the graph
    free = torch.randn(2, 3, 7, 9, requires_grad=True)
    loss = loss_fn(free, torch.full((2, 7, 9), 255))
    assert loss.item() == 0.0
    assert_finite_backward(loss, free)


def test_dual_empty_boundaries_and_odd_sizes():
    loss_fn = MODELS.build(dict(type='DualTaskLoss'))
    for size in ((1, 1), (1, 7), (5, 1), (13, 31)):
        logits = torch.randn(1, 4, *size, requires_grad=True)
        label = torch.full((1, *size), 2)
        loss = loss_fn(logits, label)
        assert_finite_backward(loss, logits)
    flat = torch.zeros(2, 3, 9, 10, requires_grad=True)
    loss = MODELS.build(dict(type='DualTaskLoss',
                             gumbel=False))(flat,
                                            torch.ones(
                                                2, 9, 10, dtype=torch.long))
    assert loss.item() == 0.0
    assert_finite_backward(loss, flat)


def test_dual_resize_bf16_and_bad_input():
    torch.manual_seed(0)
    loss_fn = MODELS.build(dict(type='DualTaskLoss', gumbel=False))
    label = two_region_label(2, 18, 22, split=9)
    logits = torch.randn(2, 3, 9, 11)
    up = F.interpolate(logits, (18, 22), mode='bilinear', align_corners=False)
    assert loss_fn(logits, label).item() == pytest.approx(
        loss_fn(up, label).item(), rel=1e-5)
    half = logits.bfloat16().requires_grad_()
    reference = loss_fn(half.detach().float(), label)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        loss = loss_fn(half, label)
    assert loss.item() == pytest.approx(reference.item(), rel=1e-5)
    assert_finite_backward(loss, half)
    with pytest.raises(RuntimeError, match='out of bounds'):
        loss_fn(logits, torch.full((2, 4, 4), 5))  # ids: checked by the head
    with pytest.raises(ValueError, match='per-pixel weights'):
        loss_fn(logits, label, weight=torch.ones(2, 18, 22))
    with pytest.raises(ValueError, match=r'\(N, H, W\)'):
        loss_fn(logits, label[:1])
    for bad in (dict(tau=0), dict(smooth_radius=-1),
                dict(boundary_threshold=1.0)):
        with pytest.raises(ValueError):
            MODELS.build(dict(type='DualTaskLoss', **bad))


def test_gumbel_noise_is_standard_gumbel():
    torch.manual_seed(0)
    noise = gumbel_noise(torch.empty(1_000_000))
    assert torch.isfinite(noise).all()
    # mean = Euler-Mascheroni constant, variance = pi^2 / 6
    assert noise.mean().item() == pytest.approx(0.5772, abs=5e-3)
    assert noise.var().item() == pytest.approx(math.pi**2 / 6, rel=1e-2)
    assert gumbel_noise(torch.empty(3, dtype=torch.float64)).dtype == \
        torch.float64


@pytest.mark.parametrize('align_corners', [False, True])
def test_dual_scale_factor_compares_at_the_scaled_resolution(align_corners):
    """At scale 0.5, a label upsampled x2 by nearest neighbour gives the
    loss of the original label at scale 1 (logits at the small size)."""
    torch.manual_seed(3)
    label = torch.randint(0, 3,
                          (2, 4, 5)).repeat_interleave(3, 1).repeat_interleave(
                              3, 2)  # (2, 12, 15) blocks
    logits = torch.randn(2, 3, 12, 15, requires_grad=True)
    big_label = label.repeat_interleave(2, 1).repeat_interleave(2, 2)
    half = MODELS.build(
        dict(
            type='DualTaskLoss',
            gumbel=False,
            scale_factor=0.5,
            smooth_radius=2))
    full = MODELS.build(
        dict(type='DualTaskLoss', gumbel=False, smooth_radius=2))
    got = half(logits, big_label, align_corners=align_corners)
    expected = full(logits, label, align_corners=align_corners)
    assert got.item() == pytest.approx(expected.item(), rel=1e-6)
    assert got.item() > 0
    assert_finite_backward(got, logits)
    # scale 1 on the big label differs: the comparison resolution matters
    assert full(logits, big_label).item() != pytest.approx(got.item())
    for bad in (0.0, -0.5, 1.5):
        with pytest.raises(ValueError, match='scale_factor'):
            MODELS.build(dict(type='DualTaskLoss', scale_factor=bad))


# --------------------------------------------------------------------------
# Pinned values against independent references: plain float64 loops over
# pixels in numpy, written from the formulas (paper + docstrings), sharing
# no helper with the modules. Each fails when the loss changes what it
# computes (e.g. probabilities compared instead of boundary maps, a
# gradient direction dropped, one of the two terms dropped, tau applied
# the wrong way).
# --------------------------------------------------------------------------
def _ref_softmax(logits: np.ndarray, tau: float) -> np.ndarray:
    """Per-pixel softmax over axis 1 of ``logits / tau``, one pixel at a
    time."""
    n, c, h, w = logits.shape
    out = np.zeros_like(logits)
    for b in range(n):
        for y in range(h):
            for x in range(w):
                z = [logits[b, k, y, x] / tau for k in range(c)]
                top = max(z)
                e = [math.exp(v - top) for v in z]
                for k in range(c):
                    out[b, k, y, x] = e[k] / sum(e)
    return out


def _mirror(i: int, n: int) -> int:
    """MATLAB 'symmetric' padding: x[-1] = x[0], x[n] = x[n - 1]."""
    while i < 0 or i >= n:
        i = -i - 1 if i < 0 else 2 * n - 1 - i
    return i


def _ref_zeta(maps: np.ndarray, r: int, reliable: np.ndarray) -> np.ndarray:
    """The boundary potential written out: convTri (weights 1..r+1..1 over
    (r+1)^2, rows then columns), numpy.gradient-style differences, the
    magnitude sqrt(gx^2 + gy^2 + eps^2) - eps, divided by the image's
    largest reliable magnitude but at least (2r+1) / (2 (r+1)^2)."""
    n, c, h, w = maps.shape
    weights = [(r + 1 - abs(j)) / (r + 1)**2 for j in range(-r, r + 1)]
    rows = np.zeros_like(maps)
    for x in range(w):
        for j, wt in zip(range(-r, r + 1), weights):
            rows[..., x] += wt * maps[..., _mirror(x + j, w)]
    smooth = np.zeros_like(maps)
    for y in range(h):
        for j, wt in zip(range(-r, r + 1), weights):
            smooth[..., y, :] += wt * rows[..., _mirror(y + j, h), :]

    def diff(m, i, size, take):
        if i == 0:
            return take(m, 1) - take(m, 0)
        if i == size - 1:
            return take(m, size - 1) - take(m, size - 2)
        return (take(m, i + 1) - take(m, i - 1)) / 2

    gy = np.stack(
        [diff(smooth, y, h, lambda m, k: m[..., k, :]) for y in range(h)],
        axis=2)
    gx = np.stack(
        [diff(smooth, x, w, lambda m, k: m[..., k]) for x in range(w)], axis=3)
    eps = 1e-6
    magnitude = np.sqrt(gx**2 + gy**2 + eps**2) - eps
    out = np.zeros_like(magnitude)
    floor = (2 * r + 1) / (2 * (r + 1)**2)
    for b in range(n):
        peak = max([
            magnitude[b, k, y, x] for k in range(c) for y in range(h)
            for x in range(w) if reliable[b, y, x]
        ] + [0.0])
        out[b] = magnitude[b] / max(peak, floor)
    return out


def _ref_dual_task(logits, label, tau, r, threshold):
    """The two terms of the loss, mean |zeta - zeta_gt| over {zeta > t}
    and over {zeta_gt > t} (the loss is their average); no ignore
    pixel."""
    n, c, h, w = logits.shape
    reliable = np.ones((n, h, w), bool)
    one_hot = np.zeros_like(logits)
    for b in range(n):
        for y in range(h):
            for x in range(w):
                one_hot[b, label[b, y, x], y, x] = 1.0
    zeta = _ref_zeta(_ref_softmax(logits, tau), r, reliable)
    zeta_gt = _ref_zeta(one_hot, r, reliable)
    pred, gt = [], []
    for idx in np.ndindex(zeta.shape):
        err = abs(zeta[idx] - zeta_gt[idx])
        if zeta[idx] > threshold:
            pred.append(err)
        if zeta_gt[idx] > threshold:
            gt.append(err)
    return np.mean(pred), np.mean(gt)


def _pinned_case():
    """2 images, 3 classes, 7x9: a vertical class boundary and a class-2
    block (horizontal and vertical boundaries); seeded logits."""
    label = np.zeros((2, 7, 9), np.int64)
    label[:, :, 5:] = 1
    label[0, 1:3, 1:4] = 2
    label[1, 4:6, 2:8] = 2
    logits = np.random.RandomState(7).randn(2, 3, 7, 9) * 2.0
    return logits, label


def test_dual_task_loss_pinned_to_reference():
    logits, label = _pinned_case()
    for tau, r in ((0.5, 1), (1.0, 2), (0.25, 0)):
        pred_term, gt_term = _ref_dual_task(logits, label, tau, r, 1e-4)
        # the two terms differ: a loss keeping one of them is caught
        assert abs(pred_term - gt_term) > 0.01 * gt_term
        expected = 0.5 * pred_term + 0.5 * gt_term
        loss = MODELS.build(
            dict(type='DualTaskLoss', tau=tau, smooth_radius=r,
                 gumbel=False))(torch.tensor(logits, dtype=torch.float32),
                                torch.tensor(label))
        assert loss.item() == pytest.approx(expected, rel=1e-4), (tau, r)


def test_boundary_potential_pinned_to_reference():
    logits, _ = _pinned_case()
    probs = _ref_softmax(logits, 1.0)
    reliable = np.ones((2, 7, 9), bool)
    reliable[0, :, :2] = False  # the peak is taken over reliable pixels
    reliable[1, 5:] = False
    for r in (0, 1, 3):
        expected = _ref_zeta(probs, r, reliable)
        got = boundary_potential(
            torch.tensor(probs, dtype=torch.float32), r,
            torch.tensor(reliable)[:, None])
        np.testing.assert_allclose(got.numpy(), expected, rtol=1e-4, atol=1e-6)


def test_boundary_bce_pinned_to_reference():
    rng = np.random.RandomState(3)
    logits = rng.randn(2, 1, 5, 6) * 3
    target = (rng.rand(2, 5, 6) > 0.7).astype(np.int64)
    target[1, 0, :4] = 255
    pos = [(b, y, x) for b, y, x in np.ndindex(target.shape)
           if target[b, y, x] == 1]
    neg = [(b, y, x) for b, y, x in np.ndindex(target.shape)
           if target[b, y, x] == 0]
    valid = len(pos) + len(neg)
    beta = len(neg) / valid
    total = 0.0
    for b, y, x in pos:
        total -= beta * math.log(1 / (1 + math.exp(-logits[b, 0, y, x])))
    for b, y, x in neg:
        total -= (1 - beta) * math.log(1 - 1 /
                                       (1 + math.exp(-logits[b, 0, y, x])))
    expected = total / valid
    loss = MODELS.build(dict(type='BoundaryBCELoss',
                             loss_weight=20.0))(torch.tensor(
                                 logits, dtype=torch.float32),
                                                torch.tensor(target))
    assert loss.item() == pytest.approx(20.0 * expected, rel=1e-5)


def test_edge_attention_pinned_to_reference():
    rng = np.random.RandomState(5)
    seg = rng.randn(2, 4, 5, 6) * 2
    label = rng.randint(0, 4, (2, 5, 6))
    label[0, 0] = 255
    edge = rng.randn(2, 1, 5, 6) * 3
    terms = []
    for b, y, x in np.ndindex(label.shape):
        selected = 1 / (1 + math.exp(-edge[b, 0, y, x])) > 0.8
        if selected and label[b, y, x] != 255:
            z = seg[b, :, y, x]
            log_sum = math.log(sum(math.exp(v) for v in z))
            terms.append(log_sum - z[label[b, y, x]])
    assert 0 < len(terms) < label.size
    loss = MODELS.build(dict(type='EdgeAttentionLoss', threshold=0.8))(
        torch.tensor(seg, dtype=torch.float32), torch.tensor(label),
        torch.tensor(edge, dtype=torch.float32))
    assert loss.item() == pytest.approx(float(np.mean(terms)), rel=1e-5)
