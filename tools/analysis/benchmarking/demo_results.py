# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Head-to-head results on the embedded demo data (docs/demo_results.md).

Every run is a demo config trained by ``tools/train.py`` into its own work
dir; this module finds its final checkpoint, evaluates it with one shared
evaluator (:data:`EVALUATOR`: mIoU, boundary F-score at 1/2/3/5 px and
Boundary IoU, whatever the config's own ``val_evaluator``), reads the
training speed from the run's logs, and draws the predictions of all runs
side by side. ``tools/analysis/demo_results.py`` is the command line.
"""
import copy
import json
import os
import os.path as osp
import statistics
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

import cv2
import numpy as np
from mmengine.config import Config

from mmseg_ext.apis import load_run_config
from mmseg_ext.engine import is_complete_checkpoint
from .training_log import read_scalars

BOUNDARY_KEYS = ['BF@1px', 'BF@2px', 'BF@3px', 'BF@5px', 'BIoU']
EVALUATOR = [
    dict(type='IoUMetric', iou_metrics=['mIoU']),
    dict(
        type='BoundaryFScore', tolerances=(1, 2, 3, 5),
        tolerance_unit='pixel'),
    dict(type='BoundaryIoU'),
]
# (row name, config relative to the repository root)
DEFAULT_RUNS = [
    ('FCN (mmseg FCNHead)',
     'configs/demo/fcn_r18-c32-d16_1xb4-1k_demo-cityscapes-256x512.py'),
    ('PSPNet (mmseg PSPHead)',
     'configs/demo/pspnet_r18-c32-d16_1xb4-1k_demo-cityscapes-256x512.py'),
    ('DeepLabV3+ (mmseg DepthwiseSeparableASPPHead)',
     'configs/gscnn/deeplabv3plus_r18-c32-d16_1xb4-1k_demo-cityscapes-'
     '256x512.py'),
    ('PSPUpsampleHead + ClassPresenceHead',
     'configs/pspnet/psp-upsample_r18-c32_1xb4-1k_demo-cityscapes-256x512.py'),
    ('RefineNetHead',
     'configs/refinenet/refinenet_r18-c32_1xb4-1k_demo-cityscapes-256x512.py'),
    ('LightWeightRefineNetHead',
     'configs/refinenet/lw-refinenet_r18-c32_1xb4-1k_demo-cityscapes-'
     '256x512.py'),
    ('GSCNNHead (Gated-SCNN)',
     'configs/gscnn/gscnn_r18-c32-d16_1xb4-1k_demo-cityscapes-256x512.py'),
    ('GSCNNSepASPPHead (DeepLabV3+ head + shape stream)',
     'configs/gscnn/gscnn-deeplabv3plus_r18-c32-d16_1xb4-1k_demo-'
     'cityscapes-256x512.py'),
]


class DemoRun(NamedTuple):
    """One row: a display name and a config path."""
    name: str
    config: str

    @property
    def config_name(self) -> str:
        return osp.splitext(osp.basename(self.config))[0]


def final_checkpoint(config: str, work_dir: str) -> Optional[str]:
    """``work_dir/iter_<max_iters>.pth`` if it exists and is complete."""
    max_iters = Config.fromfile(config).train_cfg.get('max_iters')
    path = osp.join(work_dir, f'iter_{max_iters}.pth')
    return path if is_complete_checkpoint(path) else None


def train_seconds_per_iter(work_dir: str) -> Optional[float]:
    """Median ``time`` (seconds per iteration) of a run's training log, or
    None without one."""
    try:
        train, _ = read_scalars(work_dir)
    except FileNotFoundError:
        return None
    times = [value for _, value in train.get('time', [])]
    return statistics.median(times) if times else None


def evaluate_checkpoint(config: str,
                        checkpoint: str,
                        work_dir: str,
                        device: str = 'cpu',
                        evaluator: Optional[list] = None) -> Tuple[dict, dict]:
    """Test ``checkpoint`` on the config's test set with ``evaluator``
    (default :data:`EVALUATOR`).

    Returns:
        tuple: The metrics (``mIoU``, ``BF@1px``, ..., ``BIoU``) and facts
        about the model (decode head type, parameters in millions).
    """
    from mmengine.runner import Runner
    cfg = load_run_config(config, work_dir=work_dir)
    cfg.load_from = checkpoint
    cfg.test_evaluator = copy.deepcopy(EVALUATOR if evaluator is
                                       None else evaluator)
    cfg.default_hooks.visualization = dict(
        type='SegVisualizationHook', draw=False)
    if device != 'cpu':
        cfg.env_cfg = dict(cfg.get('env_cfg', {}), device=device)
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    model = runner.model
    params = sum(p.numel() for p in model.parameters())
    return {
        k: float(v)
        for k, v in metrics.items()
    }, dict(
        decode_head=type(model.decode_head).__name__,
        params_m=round(params / 1e6, 3))


def cached_metrics(cache_file: str,
                   checkpoint: str) -> Optional[Tuple[dict, dict]]:
    """Metrics saved by :func:`save_metrics` for this very checkpoint file
    (same path, size and modification time), else None."""
    if not osp.isfile(cache_file):
        return None
    with open(cache_file) as f:
        saved = json.load(f)
    if saved.get('checkpoint') != _file_key(checkpoint):
        return None
    return saved['metrics'], saved['info']


def save_metrics(cache_file: str, checkpoint: str, metrics: dict,
                 info: dict) -> None:
    """Keep a checkpoint's metrics next to its evaluation logs."""
    with open(cache_file, 'w') as f:
        json.dump(
            dict(checkpoint=_file_key(checkpoint), metrics=metrics, info=info),
            f,
            indent=2)


def _file_key(path: str) -> list:
    stat = os.stat(path)
    return [osp.abspath(path), stat.st_size, stat.st_mtime_ns]


def _cell(value: Optional[float], digits: int = 2) -> str:
    return 'n/a' if value is None else f'{value:.{digits}f}'


def format_table(results: Dict[str, dict]) -> str:
    """Markdown table of the runs: parameters, mIoU, boundary metrics.

    (The logged training speed stays in the JSON: it depends on what else
    the machine ran; docs/benchmarks.md measures speed side by side.)
    """
    header = (['model', 'params (M)', 'mIoU'] + BOUNDARY_KEYS)
    lines = [
        '| ' + ' | '.join(header) + ' |',
        '|' + '|'.join(['---'] + ['---:'] * (len(header) - 1)) + '|'
    ]
    for name, result in results.items():
        if result.get('missing'):
            lines.append('| ' + ' | '.join([name] + ['not trained'] + [''] *
                                           (len(header) - 2)) + ' |')
            continue
        metrics = result['metrics']
        cells = [name,
                 _cell(result['params_m']),
                 _cell(metrics.get('mIoU'))
                 ] + [_cell(metrics.get(key)) for key in BOUNDARY_KEYS]
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def _colorize(label: np.ndarray,
              palette: Sequence[Sequence[int]],
              ignore_index: int = 255) -> np.ndarray:
    """RGB picture of an ``(H, W)`` class map; ignore pixels black."""
    table = np.zeros((256, 3), dtype=np.uint8)
    table[:len(palette)] = np.asarray(palette, dtype=np.uint8)
    table[ignore_index] = 0
    return table[label.astype(np.int64).clip(0, 255)]


def _title(picture: np.ndarray, text: str) -> np.ndarray:
    """``picture`` (RGB) with a white strip holding ``text`` above it."""
    strip = np.full((22, picture.shape[1], 3), 255, dtype=np.uint8)
    cv2.putText(strip, text, (4, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0),
                1, cv2.LINE_AA)
    return np.concatenate([strip, picture], axis=0)


def draw_predictions(runs: List[Tuple['DemoRun', str]],
                     indices: Sequence[int],
                     out_file: str,
                     device: str = 'cpu',
                     scale: float = 1.0,
                     edges: bool = False) -> np.ndarray:
    """One picture: a column per test image, rows image, ground truth, then
    each run's prediction, each row titled.

    Args:
        runs: ``(run, checkpoint)`` pairs.
        indices: Indices into the first run's test dataset.
        out_file: Image path (PNG, or JPEG by its extension).
        device: Inference device.
        scale: Size of each picture relative to the image (nearest
            neighbour for label maps). Defaults to 1.
        edges: Add a row with the edge map (``pred_edge_map``, dark =
            boundary) under each run whose model predicts one. Defaults
            to False.

    Returns:
        np.ndarray: The RGB picture written.
    """
    from mmengine.model import revert_sync_batchnorm
    from mmengine.registry import init_default_scope
    from mmseg.apis import inference_model, init_model
    from mmseg.registry import DATASETS

    from mmseg_ext.visualization import edge_probabilities

    cfg = Config.fromfile(runs[0][0].config)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    palette = dataset.metainfo['palette']
    infos = [dataset.get_data_info(i) for i in indices]
    images = [cv2.imread(info['img_path'])[..., ::-1] for info in infos]
    labels = [
        cv2.imread(info['seg_map_path'], cv2.IMREAD_UNCHANGED)
        for info in infos
    ]
    rows = [('image', images),
            ('ground truth', [_colorize(lb, palette) for lb in labels])]
    for run, checkpoint in runs:
        model = revert_sync_batchnorm(
            init_model(run.config, checkpoint, device=device))
        preds, edge_maps = [], []
        for info in infos:
            sample = inference_model(model, info['img_path'])
            pred = sample.pred_sem_seg.data[0].cpu().numpy()
            preds.append(_colorize(pred, palette))
            if edges and 'pred_edge_map' in sample:
                prob = edge_probabilities(
                    sample.pred_edge_map, run.name, shape=pred.shape)
                grey = np.round(255 * (1 - prob)).astype(np.uint8)
                edge_maps.append(np.repeat(grey[..., None], 3, axis=2))
        rows.append((run.name, preds))
        if edge_maps:
            rows.append((f'{run.name}: edge map', edge_maps))
    blocks = []
    for name, pictures in rows:
        if scale != 1.0:
            # label maps keep their classes; photos and edge maps average
            smooth = name == 'image' or name.endswith(': edge map')
            interpolation = cv2.INTER_AREA if smooth else cv2.INTER_NEAREST
            pictures = [
                cv2.resize(
                    p, (round(p.shape[1] * scale), round(p.shape[0] * scale)),
                    interpolation=interpolation) for p in pictures
            ]
        row = np.concatenate([
            np.pad(p, ((0, 0), (0, 4), (0, 0)), constant_values=255)
            for p in pictures
        ],
                             axis=1)
        blocks.append(_title(row, name))
    picture = np.concatenate(blocks, axis=0)
    cv2.imwrite(out_file, np.ascontiguousarray(picture[..., ::-1]))
    return picture
