# Copyright (c) mmseg_ext contributors. All rights reserved.
"""What ``demo_results.py``, ``camvid_results.py`` and ``plot_curves.py``
share: training a run, its scalar logs, its test metrics (cached per
checkpoint file), and figures of predictions and curves.
"""
import copy
import glob
import json
import os
import os.path as osp
import statistics
import subprocess
import sys
from typing import Any, Dict, List, NamedTuple, Optional, Sequence, Tuple

import cv2
import numpy as np
from mmengine.config import Config

from mmseg_ext.engine import is_complete_checkpoint

TRAIN_SCRIPT = osp.join(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'train.py')

#: Scalar name -> (iteration, value) pairs in order.
Series = Dict[str, List[Tuple[int, float]]]

#: Training scalars kept from ``iter`` lines.
TRAIN_KEYS = ('loss', 'decode.loss_ce', 'time', 'data_time')
#: Bookkeeping fields of validation lines that are not metrics.
_VAL_SKIP = ('step', 'time', 'data_time')


def read_log(path: str) -> Tuple[Series, Series]:
    """Training and validation series of one ``scalars.json``: training
    lines carry ``iter``, validation lines ``step`` and the metrics."""
    train: Series = {}
    val: Series = {}
    with open(path) as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                entry = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f'{path}:{number}: not JSON ({error})')
            if 'iter' in entry:
                for key in TRAIN_KEYS:
                    if isinstance(entry.get(key), (int, float)):
                        train.setdefault(key, []).append(
                            (int(entry['iter']), float(entry[key])))
            elif 'step' in entry:
                for key, value in entry.items():
                    if key in _VAL_SKIP or not isinstance(value, (int, float)):
                        continue
                    val.setdefault(key, []).append(
                        (int(entry['step']), float(value)))
    return train, val


def read_scalars(work_dir: str) -> Tuple[Series, Series]:
    """Training (:data:`TRAIN_KEYS`) and validation (every metric) series
    of ``WORK_DIR/<timestamp>/vis_data/scalars.json``. A resumed run has
    one timestamp folder per launch; a later launch replaces what an
    earlier one logged from its first iteration on."""
    paths = sorted(
        glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))
    if not paths:
        raise FileNotFoundError(
            'no <timestamp>/vis_data/scalars.json under '
            f'{work_dir!r}: is it a work dir of tools/train.py?')
    train: Series = {}
    val: Series = {}
    for path in paths:
        new_train, new_val = read_log(path)
        firsts = [s[0][0] for s in (*new_train.values(), *new_val.values())]
        if not firsts:
            continue
        start = min(firsts)
        for merged, new in ((train, new_train), (val, new_val)):
            for key in list(merged):
                merged[key] = [p for p in merged[key] if p[0] < start]
            for key, points in new.items():
                merged.setdefault(key, []).extend(points)
    return train, val


class Run(NamedTuple):
    """One row: display name, config path and training seed."""
    name: str
    config: str
    seed: int = 0

    @property
    def config_name(self) -> str:
        return osp.splitext(osp.basename(self.config))[0]

    @property
    def key(self) -> str:
        """The config's name before the first ``_``."""
        return self.config_name.split('_')[0]

    @property
    def work_dir_name(self) -> str:
        """The config's name, ``_seed<N>`` appended for seeds other than 0
        (seed 0 is the configs' own ``randomness.seed``)."""
        return self.config_name + (f'_seed{self.seed}' if self.seed else '')


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


def cell(value: Optional[float], digits: int = 1) -> str:
    """A table cell: ``value`` rounded, ``-`` for None or nan."""
    if value is None or value != value:
        return '-'
    return f'{value:.{digits}f}'


def markdown_table(header: Sequence[str],
                   rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table, numeric columns (all but the first) right-aligned."""
    lines = [
        '| ' + ' | '.join(header) + ' |',
        '|' + '|'.join(['---'] + ['---:'] * (len(header) - 1)) + '|'
    ]
    lines += ['| ' + ' | '.join(row) + ' |' for row in rows]
    return '\n'.join(lines)


def write_outputs(text: str, text_file: Optional[str], data: Any,
                  json_file: Optional[str]) -> None:
    """Print ``text``, then write it to ``text_file`` and ``data`` as JSON
    to ``json_file``, each where given."""
    print(text, flush=True)
    for path, content in ((text_file, text + '\n'),
                          (json_file, json.dumps(data, indent=2))):
        if path:
            with open(path, 'w') as f:
                f.write(content)
            print(f'written: {path}')


def train_run(config: str,
              work_dir: str,
              tool: str,
              cfg_options: Sequence[str] = (),
              resume: bool = False) -> None:
    """Train ``config`` into ``work_dir`` with ``tools/train.py`` in a
    subprocess (as a user runs it), from its last checkpoint with
    ``resume``; exit naming the log on failure."""
    cmd = [sys.executable, TRAIN_SCRIPT, config, '--work-dir', work_dir]
    if resume:
        cmd.append('--resume')
    if cfg_options:
        cmd += ['--cfg-options', *cfg_options]
    print(f'[{tool}] training: {" ".join(cmd)}', flush=True)
    code = subprocess.run(cmd).returncode
    if code != 0:
        raise SystemExit(f'[{tool}] training {config} failed (exit {code}); '
                         f'its log is in {work_dir}')


def evaluate_cached(config: str, checkpoint: str, eval_dir: str,
                    evaluator: list, reuse: bool, device: str,
                    tool: str) -> Tuple[dict, dict]:
    """Test ``checkpoint`` on the config's test set with ``evaluator``.

    The metrics (``mIoU``, ``BF@1px``, ...) and facts about the model
    (decode head type, parameters in millions) are saved in ``eval_dir``;
    with ``reuse`` the saved ones of this very checkpoint file (same path,
    size and modification time) are returned instead of testing again.
    """
    cache = osp.join(eval_dir, f'{tool}_metrics.json')
    stat = os.stat(checkpoint)
    key = [osp.abspath(checkpoint), stat.st_size, stat.st_mtime_ns]
    if reuse and osp.isfile(cache):
        with open(cache) as f:
            saved = json.load(f)
        if saved.get('checkpoint') == key:
            print(f'[{tool}] metrics of {checkpoint} reused from {cache}')
            return saved['metrics'], saved['info']
    from mmengine.runner import Runner
    cfg = Config.fromfile(config)
    cfg.work_dir, cfg.launcher, cfg.load_from = eval_dir, 'none', checkpoint
    cfg.test_evaluator = copy.deepcopy(evaluator)
    cfg.default_hooks.visualization = dict(
        type='SegVisualizationHook', draw=False)
    if device != 'cpu':
        cfg.env_cfg = dict(cfg.get('env_cfg', {}), device=device)
    runner = Runner.from_cfg(cfg)
    metrics = {k: float(v) for k, v in runner.test().items()}
    params = sum(p.numel() for p in runner.model.parameters())
    info = dict(
        decode_head=type(runner.model.decode_head).__name__,
        params_m=round(params / 1e6, 3))
    with open(cache, 'w') as f:
        json.dump(
            dict(checkpoint=key, metrics=metrics, info=info), f, indent=2)
    return metrics, info


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
    return np.vstack([strip, picture])


def draw_predictions(runs: List[Tuple['Run', str]],
                     indices: Sequence[int],
                     out_file: str,
                     device: str = 'cpu',
                     scale: float = 1.0,
                     edges: bool = False) -> np.ndarray:
    """Write (and return) one RGB picture of titled rows: the images
    ``indices`` of the first run's test set, their ground truth, then each
    ``(run, checkpoint)``'s prediction and, with ``edges``, its edge map
    (dark = boundary) where the model predicts one. ``scale`` resizes
    every picture (nearest neighbour for label maps)."""
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
        # label maps keep their classes; photos and edge maps average
        smooth = name == 'image' or name.endswith(': edge map')
        pictures = [
            cv2.resize(
                p,
                None,
                fx=scale,
                fy=scale,
                interpolation=cv2.INTER_AREA if smooth else cv2.INTER_NEAREST)
            for p in pictures
        ]
        blocks.append(
            _title(
                np.hstack([
                    np.pad(p, ((0, 0), (0, 4), (0, 0)), constant_values=255)
                    for p in pictures
                ]), name))
    picture = np.vstack(blocks)
    cv2.imwrite(out_file, np.ascontiguousarray(picture[..., ::-1]))
    return picture


def plot_panels(panels: Sequence[Tuple[str, str, list]],
                out_file: str,
                title: str = '',
                log_first: bool = False) -> None:
    """Line plots against iteration, side by side, to one PNG.

    Args:
        panels: ``(title, y label, lines)`` per panel, ``lines`` being
            ``(label, points)`` pairs of ``(iteration, value)`` points.
        out_file: The PNG path.
        title: Title above the panels.
        log_first: Log scale for the first panel (a loss).
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(
        1, len(panels), figsize=(5 * len(panels), 4), squeeze=False)
    last_labels = [label for label, _ in panels[-1][2]]
    for ax, (name, unit, lines) in zip(axes[0], panels):
        for label, points in lines:
            steps, values = zip(*points)
            ax.plot(
                steps,
                values,
                label=label,
                marker='o' if len(steps) <= 30 else '',
                markersize=3,
                linewidth=1)
        ax.set(title=name, xlabel='iteration', ylabel=unit)
        ax.grid(alpha=0.3)
        # one legend for the runs every panel shows, on the last panel
        labels = [label for label, _ in lines]
        if lines and (ax is axes[0][-1] or labels != last_labels):
            ax.legend(fontsize=7)
    if log_first:
        axes[0][0].set_yscale('log')
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(out_file, dpi=100)
    plt.close(fig)
