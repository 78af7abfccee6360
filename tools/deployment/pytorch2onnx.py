# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Export a segmentor to ONNX and check it in onnxruntime against PyTorch.

The exported graph is the tensor forward of the model at one fixed input
size: a normalised image batch ``(N, 3, H, W)`` in, ``(N, num_classes, H,
W)`` logits out (``EncoderDecoder.encode_decode``: the decode head's
logits resized to the input size; no softmax, no argmax). After the export
the ONNX model runs in onnxruntime on a second input (seeded random, or
``--image``), never the export example, and is compared with PyTorch: the
script prints the max abs difference of the logits and the argmax
agreement and exits with status 1 above ``--atol`` (1e-4) or on any argmax
disagreement. See docs/deployment.md.

Example::

    python tools/deployment/pytorch2onnx.py \\
        configs/refinenet/refinenet_r50-d32_4xb2-80k_cityscapes-512x1024.py \\
        refinenet.pth --shape 512 1024 --out refinenet.onnx
"""
import argparse
import inspect
import os.path as osp
import sys
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn
from mmengine.config import Config, DictAction
from mmengine.model import revert_sync_batchnorm
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint
from mmseg.registry import MODELS

import mmseg_ext  # noqa: F401  (registers modules, safe checkpoint loading)

EXPORTERS = ('dynamo', 'legacy')
#: Whether this torch's ``torch.onnx.export`` has the dynamo exporter (its
#: ``dynamo`` argument; older torch has only the TorchScript one).
HAS_DYNAMO_EXPORTER = 'dynamo' in inspect.signature(
    torch.onnx.export).parameters


class SegmentorTensorForward(nn.Module):
    """The tensor forward of a segmentor at a fixed input size.

    Args:
        model (nn.Module): An mmseg segmentor (``EncoderDecoder`` or a
            subclass) in eval mode.
        shape (tuple[int, int]): The input ``(H, W)``.

    Shape:
        Input :math:`(N, 3, H, W)`, normalised as the config's
        ``data_preprocessor`` does (mean/std, channel order). Output
        :math:`(N, K, H, W)` class logits, ``K = num_classes``.
    """

    def __init__(self, model: nn.Module, shape: Sequence[int]) -> None:
        super().__init__()
        self.model = model
        self.shape = tuple(int(s) for s in shape)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        meta = dict(
            img_shape=self.shape, pad_shape=self.shape, ori_shape=self.shape)
        return self.model.encode_decode(inputs, [meta] * inputs.shape[0])


def build_model(config: str,
                checkpoint: Optional[str] = None,
                cfg_options: Optional[dict] = None) -> nn.Module:
    """Build the config's model in eval mode, SyncBN reverted to BN.

    Args:
        config (str): Config file.
        checkpoint (str, optional): Checkpoint loaded with strict key
            checking (a missing or unexpected weight is an error, not a
            warning). Loading goes through mmengine with the package's
            weights-only loader (:mod:`mmseg_ext.compat`).
        cfg_options (dict, optional): Config overrides.

    Returns:
        nn.Module: The segmentor on the CPU.
    """
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    cfg.model.train_cfg = None
    cfg.model.pop('pretrained', None)
    model = revert_sync_batchnorm(MODELS.build(cfg.model))
    if checkpoint is not None:
        load_checkpoint(model, checkpoint, map_location='cpu', strict=True)
    model.cfg = cfg
    return model.eval()


def input_contract(cfg: Config, shape: Sequence[int]) -> str:
    """One line describing what the exported graph expects."""
    pre = cfg.model.get('data_preprocessor') or {}
    order = 'RGB' if pre.get('bgr_to_rgb', False) else 'BGR'
    return (f'input: float32 (N, 3, {shape[0]}, {shape[1]}), {order} '
            f'channel order, (pixel - mean) / std with mean='
            f'{list(pre.get("mean", []))} std={list(pre.get("std", []))}; '
            'output: (N, num_classes, H, W) logits')


def export_onnx(module: nn.Module,
                example: torch.Tensor,
                path: str,
                exporter: str = 'dynamo',
                opset: int = 17) -> None:
    """``torch.onnx.export`` with the dynamo or the legacy exporter.

    Args:
        module (nn.Module): The tensor forward to export.
        example (Tensor): The example input; fixes the input size.
        path (str): ONNX file to write.
        exporter (str): ``'dynamo'`` or ``'legacy'`` (TorchScript).
        opset (int): ONNX opset, 17 or newer.
    """
    if exporter not in EXPORTERS:
        raise ValueError(f'exporter must be one of {EXPORTERS}, got '
                         f'{exporter!r}')
    if opset < 17:
        raise ValueError(f'opset must be 17 or newer, got {opset}')
    if exporter == 'dynamo' and not HAS_DYNAMO_EXPORTER:
        raise ValueError(
            f'torch {torch.__version__} has no dynamo ONNX exporter '
            '(torch.onnx.export(dynamo=True)); use --legacy')
    # Old torch has only the TorchScript exporter and no ``dynamo`` argument.
    choice = dict(dynamo=exporter == 'dynamo') if HAS_DYNAMO_EXPORTER else {}
    with torch.no_grad():
        torch.onnx.export(
            module, (example, ),
            path,
            input_names=['input'],
            output_names=['seg_logits'],
            opset_version=opset,
            **choice)


def make_inputs(shape: Sequence[int],
                seed: int,
                batch: int = 1,
                image: Optional[str] = None,
                cfg: Optional[Config] = None) -> torch.Tensor:
    """A normalised input: seeded N(0, 1), or a real image.

    Args:
        shape (tuple[int, int]): ``(H, W)``.
        seed (int): Seed of the random input.
        batch (int): Batch size.
        image (str, optional): Image file, resized to ``shape`` and
            normalised as the config's ``data_preprocessor`` does.
        cfg (Config, optional): The config (needed with ``image``).
    """
    if image is None:
        g = torch.Generator().manual_seed(seed)
        return torch.randn(batch, 3, *shape, generator=g)
    import mmcv
    pre = cfg.model.data_preprocessor
    img = mmcv.imresize(mmcv.imread(image), (shape[1], shape[0]))
    if pre.get('bgr_to_rgb', False):
        img = img[..., ::-1]
    img = (img.astype(np.float32) - np.float32(pre.mean)) / np.float32(pre.std)
    return torch.from_numpy(img.transpose(2, 0, 1).copy())[None].repeat(
        batch, 1, 1, 1)


def compare_onnx(module: nn.Module, path: str,
                 inputs: torch.Tensor) -> Tuple[float, float]:
    """Run the ONNX model in onnxruntime and compare with PyTorch.

    Returns:
        tuple[float, float]: Max abs difference of the logits and the share
        of pixels with the same argmax.
    """
    import onnxruntime as ort
    session = ort.InferenceSession(path, providers=['CPUExecutionProvider'])
    name = session.get_inputs()[0].name
    got = torch.from_numpy(session.run(None, {name: inputs.numpy()})[0])
    with torch.no_grad():
        expected = module(inputs)
    if got.shape != expected.shape:
        raise RuntimeError(f'onnxruntime output {tuple(got.shape)} != '
                           f'PyTorch {tuple(expected.shape)}')
    diff = (got - expected).abs().max().item()
    agree = (got.argmax(1) == expected.argmax(1)).float().mean().item()
    return diff, agree


def check_tensor_contract(module: SegmentorTensorForward,
                          example: torch.Tensor) -> None:
    """The forward returns exactly ``num_classes`` channels at input size.

    An extra channel (e.g. an edge logit appended to the class logits)
    would be taken for a class by any argmax downstream (mmdeploy's too).
    """
    with torch.no_grad():
        out = module(example)
    head = module.model.decode_head
    expected = (example.shape[0], head.num_classes, *example.shape[2:])
    if tuple(out.shape) != expected:
        raise RuntimeError(
            f'{type(module.model).__name__}.encode_decode returns '
            f'{tuple(out.shape)}, expected {expected} '
            f'(num_classes={head.num_classes} of '
            f'{type(head).__name__}): not exportable as a segmentation '
            'tensor')


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Export a segmentor to ONNX and check it against '
        'PyTorch in onnxruntime on a second input')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--shape',
        type=int,
        nargs=2,
        required=True,
        metavar=('H', 'W'),
        help='fixed input size of the exported graph')
    parser.add_argument(
        '--out', help='ONNX file (default: next to the '
        'checkpoint, .onnx)')
    parser.add_argument('--opset', type=int, default=17)
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        '--dynamo',
        dest='exporter',
        action='store_const',
        const='dynamo',
        help='torch.export-based exporter (default where torch has it)')
    group.add_argument(
        '--legacy',
        dest='exporter',
        action='store_const',
        const='legacy',
        help='TorchScript-based exporter')
    parser.add_argument(
        '--image',
        help='check on this image (resized, normalised) instead of a '
        'seeded random input')
    parser.add_argument(
        '--atol',
        type=float,
        default=1e-4,
        help='largest accepted max abs logit difference')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, as in tools/train.py')
    args = parser.parse_args(argv)
    args.exporter = args.exporter or ('dynamo'
                                      if HAS_DYNAMO_EXPORTER else 'legacy')
    return args


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    out = args.out or osp.splitext(args.checkpoint)[0] + '.onnx'
    model = build_model(args.config, args.checkpoint, args.cfg_options)
    module = SegmentorTensorForward(model, args.shape).eval()
    print(input_contract(model.cfg, args.shape))
    example = make_inputs(args.shape, seed=0)
    check_tensor_contract(module, example)
    export_onnx(module, example, out, args.exporter, args.opset)
    print(f'exported {out} ({args.exporter} exporter, opset {args.opset})')
    check = make_inputs(args.shape, seed=1, image=args.image, cfg=model.cfg)
    diff, agree = compare_onnx(module, out, check)
    source = args.image or 'a seeded random input (not the export example)'
    print(f'onnxruntime vs PyTorch on {source}: max abs diff {diff:.3g}, '
          f'argmax agreement {100 * agree:.4f} %')
    if not diff <= args.atol or agree < 1:
        print(
            f'FAILED: tolerance is {args.atol:g} and identical argmax',
            file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
