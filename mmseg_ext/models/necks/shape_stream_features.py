# Copyright (c) mmseg_ext contributors. All rights reserved.
"""The output of the Gated-SCNN shape-stream neck: features plus named edges.

The backbone tuple, unchanged (indexing sees only it, so auxiliary heads
never get an edge map), with ``edge_logits`` (N, 1, h, w; before the
sigmoid) and ``fused_edge`` (N, 1, h, w in [0, 1]; the boundary map fused
with the image gradient) as named fields.
"""
from typing import Sequence

from torch import Tensor


class ShapeStreamFeatures(tuple):
    """Backbone features (a tuple) with the shape-stream outputs by name.

    Args:
        features (Sequence[Tensor]): The backbone outputs, unchanged.
        edge_logits (Tensor): Boundary logits, (N, 1, h, w).
        fused_edge (Tensor): Fused boundary map, (N, 1, h, w), in [0, 1].
    """

    def __new__(cls, features: Sequence[Tensor], edge_logits: Tensor,
                fused_edge: Tensor) -> 'ShapeStreamFeatures':
        obj = super().__new__(cls, features)
        obj.edge_logits = edge_logits
        obj.fused_edge = fused_edge
        return obj

    def __repr__(self) -> str:
        shapes = [tuple(x.shape) for x in self]
        return (f'ShapeStreamFeatures(features={shapes}, edge_logits='
                f'{tuple(self.edge_logits.shape)}, fused_edge='
                f'{tuple(self.fused_edge.shape)})')


def as_shape_stream_features(inputs: Sequence[Tensor],
                             owner: str) -> ShapeStreamFeatures:
    """``inputs`` if it is a shape-stream neck output, else an error
    naming ``owner`` and the neck to add.
    """
    if not isinstance(inputs, ShapeStreamFeatures):
        raise TypeError(
            f'{owner} consumes the Gated-SCNN shape stream but got '
            f'{type(inputs).__name__} features without edge maps. Use '
            "type='ShapeStreamEncoderDecoder' with "
            "neck=dict(type='GatedShapeStream', ...).")
    return inputs
