# Copyright (c) mmseg_ext contributors. All rights reserved.
"""The output of the Gated-SCNN shape-stream neck: features plus named edges.

:class:`~mmseg_ext.models.necks.GatedShapeStream` returns the backbone
features unchanged, as the tuple every mmseg head indexes with
``in_index``, and its two outputs as *named fields* of that tuple:

* ``edge_logits`` (N, 1, h, w): the shape stream's boundary logits, before
  the sigmoid (losses apply it themselves, AMP-safe);
* ``fused_edge`` (N, 1, h, w) in [0, 1]: ``sigmoid(conv([sigmoid(
  edge_logits), image_gradient]))``, the boundary map fused with the image
  gradients that the head's edge branch consumes.

Indexing and slicing see the backbone features only, so an auxiliary head
(``in_index=-1`` included) gets a backbone feature, never an edge map.
"""
from typing import Sequence

from torch import Tensor


class ShapeStreamFeatures(tuple):
    """Backbone features (a tuple) with the shape-stream outputs by name.

    Args:
        features (Sequence[Tensor]): The backbone outputs, unchanged.
        edge_logits (Tensor): Boundary logits, (N, 1, h, w).
        fused_edge (Tensor): Boundary map fused with the image gradients,
            (N, 1, h, w), values in [0, 1].
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
    """``inputs`` if it is a shape-stream neck output, else a clear error.

    Args:
        inputs: What the head received.
        owner (str): Name of the caller, for the message.
    """
    if not isinstance(inputs, ShapeStreamFeatures):
        raise TypeError(
            f'{owner} consumes the Gated-SCNN shape stream but got '
            f'{type(inputs).__name__} features without edge maps. Use '
            "type='ShapeStreamEncoderDecoder' with "
            "neck=dict(type='GatedShapeStream', ...).")
    return inputs
