# Copyright (c) mmseg_ext contributors. All rights reserved.
"""The losses' share of a training step, for any head: the arguments of
each head's ``loss_by_feat`` are recorded during one loss forward, then
replayed as detached leaf tensors to time the losses and their backward
alone, with no head-specific code.
"""
from typing import Any, Callable, Dict, List, Optional, Tuple

import torch
from torch import Tensor, nn

from mmseg_ext.utils.benchmark import time_calls
from .model_setup import autocast, preprocess


def _loss_heads(model: nn.Module) -> List[Tuple[str, nn.Module, str]]:
    """(name, module, loss method) of the decode head, every auxiliary head
    and a segmentor's ``shape_stream_loss`` (its ``forward``)."""
    heads = [('decode_head', model.decode_head, 'loss_by_feat')]
    aux = getattr(model, 'auxiliary_head', None)
    if isinstance(aux, nn.ModuleList):
        heads += [(f'auxiliary_head.{i}', h, 'loss_by_feat')
                  for i, h in enumerate(aux)]
    elif aux is not None:
        heads.append(('auxiliary_head', aux, 'loss_by_feat'))
    if getattr(model, 'shape_stream_loss', None) is not None:
        heads.append(('shape_stream_loss', model.shape_stream_loss, 'forward'))
    return heads


def _as_leaves(value: Any, leaves: List[Tensor]) -> Any:
    """Detached copies of the tensors in ``value``; floating ones become
    grad-requiring leaves (appended to ``leaves``)."""
    if isinstance(value, Tensor):
        copy = value.detach().clone()
        if copy.is_floating_point():
            copy.requires_grad_(True)
            leaves.append(copy)
        return copy
    if isinstance(value, (list, tuple)):
        return type(value)(_as_leaves(v, leaves) for v in value)
    if isinstance(value, dict):
        return {k: _as_leaves(v, leaves) for k, v in value.items()}
    return value


def _capture_loss_inputs(model: nn.Module, batch: dict,
                         settings: Dict[str, Any]) -> Dict[str, tuple]:
    """Run the loss forward once, recording each head's ``loss_by_feat``
    arguments (the head's forward outputs and the data samples)."""
    captured = {}
    heads = _loss_heads(model)

    def recorder(name: str, method: Callable) -> Callable:

        def record(*args, **kwargs):
            captured[name] = (args, kwargs)
            return method(*args, **kwargs)

        return record

    for name, head, method in heads:
        setattr(head, method, recorder(name, getattr(head, method)))
    try:
        with torch.no_grad(), autocast(settings):
            data = preprocess(model, batch, True, settings)
            model._run_forward(data, mode='loss')
    finally:
        for _, head, method in heads:
            head.__dict__.pop(method, None)
    return captured


def measure_loss(model: nn.Module, batch: dict, settings: Dict[str, Any],
                 step_ms: Optional[float]) -> Dict[str, Any]:
    """Time each head's ``loss_by_feat`` on cached head outputs.

    The outputs are detached leaves, so forward+backward here is exactly
    the loss computation and its gradient w.r.t. the head outputs; the
    fraction divides that by the median train step of the same model.
    """
    captured = _capture_loss_inputs(model, batch, settings)
    if 'decode_head' not in captured:
        return dict(error='decode_head.loss_by_feat was not called by the '
                    "model's loss forward")
    device, warmup, iters = (settings['device'], settings['warmup'],
                             settings['iters'])
    heads, total_ms = {}, 0.0
    for name, head, method in _loss_heads(model):
        if name not in captured:
            continue
        leaves = []
        args, kwargs = _as_leaves(captured[name], leaves)

        def loss_forward(fn=getattr(head, method), args=args, kwargs=kwargs):
            with autocast(settings):
                losses = fn(*args, **kwargs)
            return model.parse_losses(losses)[0], sorted(losses)

        def loss_forward_backward(leaves=leaves, forward=loss_forward):
            for leaf in leaves:
                leaf.grad = None
            forward()[0].backward()

        forward_times = time_calls(loss_forward, device, warmup, iters)
        both_times = time_calls(loss_forward_backward, device, warmup, iters)
        heads[name] = dict(
            terms=loss_forward()[1],
            forward=forward_times,
            forward_backward=both_times)
        total_ms += both_times['median_ms']
    decode_ms = heads['decode_head']['forward_backward']['median_ms']
    return dict(
        heads=heads,
        decode_head_ms=decode_ms,
        all_heads_ms=total_ms,
        step_ms=step_ms,
        decode_head_fraction=decode_ms / step_ms if step_ms else None,
        all_heads_fraction=total_ms / step_ms if step_ms else None)
