# Copyright (c) mmseg_ext contributors. All rights reserved.
"""What the installed torch offers for export, detected by feature.

torch 2.0-2.4 have only the TorchScript ONNX exporter (no ``dynamo``
argument to ``torch.onnx.export``) and a prototype ``torch.export`` that
cannot trace mmseg's heads; there the legacy exporter is what deployment
uses, and it is tested on every stack.
"""
import inspect

import pytest
import torch

HAS_DYNAMO_EXPORTER = 'dynamo' in inspect.signature(
    torch.onnx.export).parameters

NO_DYNAMO_REASON = (
    'this torch has no dynamo ONNX exporter (no `dynamo` argument to '
    'torch.onnx.export) and only a prototype torch.export; the legacy '
    'exporter is tested instead')
needs_dynamo_exporter = pytest.mark.skipif(
    not HAS_DYNAMO_EXPORTER, reason=NO_DYNAMO_REASON)


def legacy_export_kwargs() -> dict:
    """``torch.onnx.export`` arguments that select the legacy exporter."""
    return dict(dynamo=False) if HAS_DYNAMO_EXPORTER else {}
