# Copyright (c) mmseg_ext contributors. All rights reserved.
"""Procedural street scenes with Cityscapes trainId labels.

One call of :func:`render_scene` paints a 256x512 (or any size) street view
and its label map from a seeded ``numpy.random.Generator``. The scene is drawn
twice at once: a *material* map (what a pixel looks like) and a *label* map
(what it is). Several classes deliberately share materials so that appearance
alone is ambiguous and only the surroundings decide:

* ``person`` and ``rider`` are the same figure; a rider sits on a bicycle or
  motorcycle.
* ``bus`` and ``train`` share one body; a train stands on rails (rail track is
  void, 255, as in Cityscapes).
* ``vegetation`` and ``terrain`` share the foliage texture; terrain is flat
  ground beside the sidewalk, vegetation grows on trunks above it.
* ``road`` and ``sidewalk`` are both grey; the curb and the position tell.

Thin structures (poles 2-4 px wide, sign and traffic-light plates, bicycle
frames, fences) make boundaries matter.
"""
from typing import Dict, Tuple

import cv2
import numpy as np

# Cityscapes trainIds.
ROAD, SIDEWALK, BUILDING, WALL, FENCE, POLE, LIGHT, SIGN, VEGETATION, \
    TERRAIN, SKY, PERSON, RIDER, CAR, TRUCK, BUS, TRAIN, MOTORCYCLE, \
    BICYCLE = range(19)
IGNORE = 255

# Materials: name -> (base RGB, texture amplitude). Paint/cloth colours are
# re-drawn per image.
_MATERIALS = [
    ('sky', (135, 175, 215), 4),
    ('asphalt', (88, 88, 92), 14),
    ('lane', (225, 225, 215), 6),
    ('paving', (138, 132, 128), 12),
    ('curb', (175, 172, 168), 6),
    ('facade0', (170, 150, 120), 10),
    ('facade1', (120, 115, 112), 10),
    ('facade2', (150, 95, 80), 10),
    ('glass', (60, 75, 95), 6),
    ('brick', (140, 80, 60), 16),
    ('fence', (95, 100, 95), 8),
    ('foliage', (60, 110, 45), 28),
    ('bark', (85, 60, 40), 10),
    ('metal', (120, 122, 125), 6),
    ('sign_red', (200, 40, 35), 6),
    ('sign_blue', (35, 70, 180), 6),
    ('sign_yellow', (225, 190, 40), 6),
    ('housing', (30, 30, 32), 4),
    ('lamp_red', (250, 60, 40), 4),
    ('lamp_green', (60, 230, 120), 4),
    ('paint0', None, 8),
    ('paint1', None, 8),
    ('paint2', None, 8),
    ('paint3', None, 8),
    ('tire', (25, 25, 25), 4),
    ('vglass', (45, 55, 70), 5),
    ('skin', (200, 160, 130), 6),
    ('cloth0', None, 10),
    ('cloth1', None, 10),
    ('cloth2', None, 10),
    ('rail', (150, 145, 140), 5),
    ('gravel', (115, 105, 95), 24),
    ('hood', (40, 40, 45), 3),
    ('bodywork', (210, 205, 70), 8),
]
M = {name: i for i, (name, _, _) in enumerate(_MATERIALS)}


class _Canvas:
    """Material and label maps painted together (painter's algorithm)."""

    def __init__(self, h: int, w: int) -> None:
        self.mat = np.full((h, w), M['sky'], np.uint8)
        self.lab = np.full((h, w), SKY, np.uint8)
        self.shade = np.ones((h, w), np.float32)

    def poly(self, pts, mat: int, lab: int) -> None:
        pts = [np.round(np.asarray(pts)).astype(np.int32)]
        cv2.fillPoly(self.mat, pts, int(mat))
        cv2.fillPoly(self.lab, pts, int(lab))

    def rect(self, x0, y0, x1, y1, mat: int, lab: int) -> None:
        self.poly([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], mat, lab)

    def ellipse(self, c, axes, mat: int, lab: int) -> None:
        c = (int(round(c[0])), int(round(c[1])))
        axes = (max(1, int(round(axes[0]))), max(1, int(round(axes[1]))))
        cv2.ellipse(self.mat, c, axes, 0, 0, 360, int(mat), -1)
        cv2.ellipse(self.lab, c, axes, 0, 0, 360, int(lab), -1)

    def line(self, p0, p1, width: int, mat: int, lab: int) -> None:
        p0 = (int(round(p0[0])), int(round(p0[1])))
        p1 = (int(round(p1[0])), int(round(p1[1])))
        cv2.line(self.mat, p0, p1, int(mat), max(1, int(width)))
        cv2.line(self.lab, p0, p1, int(lab), max(1, int(width)))


def _road_edges(y, horizon, vx, h, w, half_bottom):
    """x of the left/right road edge at row ``y`` (perspective trapezoid)."""
    t = np.clip((y - horizon) / max(h - horizon, 1), 0, 1)
    return vx - t * half_bottom, vx + t * half_bottom


def _figure(cv: _Canvas, x, foot_y, s, lab, rng) -> None:
    """A pedestrian-like figure of height ~``s`` standing at (x, foot_y)."""
    cloth = M[f'cloth{rng.integers(3)}']
    head_r = 0.09 * s
    cv.rect(x - 0.06 * s, foot_y - 0.48 * s, x - 0.01 * s, foot_y, cloth, lab)
    cv.rect(x + 0.01 * s, foot_y - 0.48 * s, x + 0.06 * s, foot_y, cloth, lab)
    cv.rect(x - 0.11 * s, foot_y - 0.82 * s, x + 0.11 * s, foot_y - 0.45 * s,
            M[f'cloth{rng.integers(3)}'], lab)
    cv.ellipse((x, foot_y - 0.9 * s), (head_r, head_r), M['skin'], lab)


def _two_wheeler(cv: _Canvas, x, ground_y, s, motor: bool, rng) -> None:
    """Bicycle or motorcycle with a rider on it (context for ``rider``)."""
    lab = MOTORCYCLE if motor else BICYCLE
    r = 0.22 * s
    wheel_w = max(2, int(0.07 * s)) if motor else max(1, int(0.03 * s))
    for cx in (x - 0.35 * s, x + 0.35 * s):
        cv2.circle(cv.mat, (int(cx), int(ground_y - r)), int(r), M['tire'],
                   wheel_w)
        cv2.circle(cv.lab, (int(cx), int(ground_y - r)), int(r), lab, wheel_w)
    if motor:
        cv.poly([(x - 0.3 * s, ground_y - r), (x + 0.3 * s, ground_y - r),
                 (x + 0.2 * s, ground_y - 0.6 * s),
                 (x - 0.25 * s, ground_y - 0.55 * s)],
                M[f'paint{rng.integers(4)}'], lab)
    else:
        fw = max(1, int(0.03 * s))
        for p0, p1 in (((-0.35, -r), (0.0, -r)), ((0.0, -r), (-0.1,
                                                              -0.55 * s)),
                       ((-0.35, -r), (-0.1, -0.55 * s)), ((0.35, -r),
                                                          (0.25, -0.6 * s))):
            cv.line((x + p0[0] * s, ground_y + p0[1]),
                    (x + p1[0] * s, ground_y + p1[1]), fw, M['metal'], lab)
    _figure(cv, x - 0.05 * s, ground_y - 0.45 * s, 0.95 * s, RIDER, rng)


def _vehicle(cv: _Canvas, x, ground_y, s, kind: str, rng) -> None:
    """Car, truck, or the shared bus/train body at ground line ``ground_y``."""
    if kind == 'car':
        w, h, lab, paint = 1.6 * s, 0.55 * s, CAR, M[f'paint{rng.integers(4)}']
        cv.rect(x - w / 2, ground_y - 0.75 * h, x + w / 2, ground_y - 0.12 * h,
                paint, lab)
        cv.poly([(x - 0.3 * w, ground_y - 0.75 * h),
                 (x - 0.18 * w, ground_y - 1.2 * h),
                 (x + 0.2 * w, ground_y - 1.2 * h),
                 (x + 0.33 * w, ground_y - 0.75 * h)], paint, lab)
        cv.poly([(x - 0.25 * w, ground_y - 0.78 * h),
                 (x - 0.16 * w, ground_y - 1.12 * h),
                 (x + 0.18 * w, ground_y - 1.12 * h),
                 (x + 0.28 * w, ground_y - 0.78 * h)], M['vglass'], lab)
        wheels = (x - 0.3 * w, x + 0.3 * w)
    elif kind == 'truck':
        w, h, lab = 2.2 * s, 1.1 * s, TRUCK
        cv.rect(x - w / 2, ground_y - h, x + 0.2 * w, ground_y - 0.12 * h,
                M[f'paint{rng.integers(4)}'], lab)
        cv.rect(x + 0.22 * w, ground_y - 0.7 * h, x + w / 2,
                ground_y - 0.12 * h, M[f'paint{rng.integers(4)}'], lab)
        cv.rect(x + 0.3 * w, ground_y - 0.65 * h, x + 0.45 * w,
                ground_y - 0.4 * h, M['vglass'], lab)
        wheels = (x - 0.35 * w, x - 0.1 * w, x + 0.35 * w)
    else:  # 'bus' or 'train': identical body, context decides.
        w, h = 3.0 * s, 1.2 * s
        lab = TRAIN if kind == 'train' else BUS
        cv.rect(x - w / 2, ground_y - h, x + w / 2, ground_y - 0.1 * h,
                M['bodywork'], lab)
        n = 6
        for i in range(n):
            x0 = x - w / 2 + (i + 0.2) * w / n
            cv.rect(x0, ground_y - 0.9 * h, x0 + 0.6 * w / n,
                    ground_y - 0.55 * h, M['vglass'], lab)
        wheels = (x - 0.35 * w, x + 0.35 * w)
    r = max(2, 0.14 * s)
    for wx in wheels:
        cv.ellipse((wx, ground_y - r), (r, r), M['tire'], lab)


def _pole(cv: _Canvas, x, base_y, top_y, s, rng) -> None:
    """A 2-4 px pole carrying a sign or a traffic light."""
    pw = int(rng.integers(2, 5))
    cv.rect(x - pw // 2, top_y, x - pw // 2 + pw - 1, base_y, M['metal'], POLE)
    kind = rng.integers(3)
    size = max(6, 0.16 * s)
    if kind == 0:  # traffic light: housing plus lamps
        cv.rect(x + pw, top_y, x + pw + 0.5 * size, top_y + 1.3 * size,
                M['housing'], LIGHT)
        lamp = M['lamp_red'] if rng.random() < 0.5 else M['lamp_green']
        cv.ellipse((x + pw + 0.25 * size, top_y + 0.3 * size),
                   (0.15 * size, 0.15 * size), lamp, LIGHT)
    else:  # sign plate: disc, triangle or rectangle
        colour = M[('sign_red', 'sign_blue', 'sign_yellow')[rng.integers(3)]]
        cy = top_y + 0.6 * size
        shape = rng.integers(3)
        if shape == 0:
            cv.ellipse((x, cy), (0.6 * size, 0.6 * size), colour, SIGN)
        elif shape == 1:
            cv.poly([(x - 0.7 * size, cy + 0.5 * size),
                     (x + 0.7 * size, cy + 0.5 * size), (x, cy - 0.7 * size)],
                    colour, SIGN)
        else:
            cv.rect(x - 0.6 * size, cy - 0.45 * size, x + 0.6 * size,
                    cy + 0.45 * size, colour, SIGN)


def _textures(h, w, rng) -> np.ndarray:
    """Per-material RGB textures, shape (num_materials, H, W, 3), float32."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    low = cv2.resize(
        rng.standard_normal((h // 8, w // 8)).astype(np.float32), (w, h),
        interpolation=cv2.INTER_CUBIC)
    fine = rng.standard_normal((h, w)).astype(np.float32)
    tex = np.empty((len(_MATERIALS), h, w, 3), np.float32)
    for i, (name, base, amp) in enumerate(_MATERIALS):
        if base is None:
            base = rng.integers(30, 230, 3)
        base = np.asarray(base, np.float32) * rng.uniform(0.85, 1.15, 3)
        pattern = amp * (0.6 * low + 0.4 * np.roll(fine, 7 * i, axis=1))
        if name in ('paving', 'brick'):
            period = 9 if name == 'paving' else 6
            pattern -= 25.0 * ((yy % period) < 1)
            pattern -= 25.0 * (((xx + 5 * (yy // period % 2)) %
                                (2 * period)) < 1)
        elif name.startswith('facade'):
            pattern -= 12.0 * ((yy % 14) < 1)
        elif name == 'foliage':
            pattern += 18.0 * np.sin(xx * 0.9 + 2 * low) * np.sin(yy * 1.1)
        elif name == 'sky':
            pattern += np.linspace(-25, 25, h, dtype=np.float32)[:, None]
        tex[i] = base[None, None, :] + pattern[..., None]
    return tex


def render_scene(
    rng: np.random.Generator, size: Tuple[int, int] = (256, 512)
) -> Dict[str, np.ndarray]:
    """Render one street scene.

    Args:
        rng (np.random.Generator): Source of all randomness (seed it for
            reproducible output).
        size (tuple[int, int]): (H, W) of the scene.

    Returns:
        dict: ``img`` uint8 BGR image (H, W, 3) and ``label`` uint8 trainId
        map (H, W) with 255 for void.
    """
    h, w = size
    cv = _Canvas(h, w)
    horizon = rng.uniform(0.36, 0.5) * h
    vx = rng.uniform(0.35, 0.65) * w
    half = rng.uniform(0.45, 0.75) * w

    # Buildings along the skyline, walls and fences at their feet.
    x = -rng.uniform(0, 40)
    while x < w:
        bw = rng.uniform(40, 140)
        top = horizon - rng.uniform(0.15, 0.45) * h
        facade = M[f'facade{rng.integers(3)}']
        cv.rect(x, top, x + bw, horizon + 4, facade, BUILDING)
        for wy in np.arange(top + 8, horizon - 10, rng.uniform(14, 22)):
            for wx in np.arange(x + 6, x + bw - 10, rng.uniform(14, 24)):
                cv.rect(wx, wy, wx + 7, wy + 9, M['glass'], BUILDING)
        x += bw + rng.uniform(-5, 25)
    # Sidewalks, terrain lawns, then the road on top.
    cv.rect(0, horizon, w, h, M['paving'], SIDEWALK)
    rows = np.arange(int(horizon), h)
    left, right = _road_edges(rows, horizon, vx, h, w, half)
    for side in (-1, 1):
        if rng.random() < 0.6:  # lawn strip between sidewalk and buildings
            edge = left if side < 0 else right
            off = rng.uniform(0.25, 0.5)
            inner = edge + side * (np.abs(edge - vx) * off + 6)
            outer = edge + side * (np.abs(edge - vx) * (off + 0.6) + 12)
            pts = np.concatenate(
                [np.stack([inner, rows], 1),
                 np.stack([outer, rows], 1)[::-1]])
            cv.poly(pts, M['foliage'], TERRAIN)
    if rng.random() < 0.5:
        wall_y = horizon + 2
        wx0 = rng.uniform(0, w * 0.6)
        cv.rect(wx0, wall_y - rng.uniform(10, 22), wx0 + rng.uniform(60, 160),
                wall_y + 3, M['brick'], WALL)
    curb = np.concatenate(
        [np.stack([left - 3, rows], 1),
         np.stack([right + 3, rows], 1)[::-1]])
    cv.poly(curb, M['curb'], SIDEWALK)
    road = np.concatenate(
        [np.stack([left, rows], 1),
         np.stack([right, rows], 1)[::-1]])
    cv.poly(road, M['asphalt'], ROAD)
    for t0 in np.arange(rng.uniform(0, 0.1), 1.0, 0.14):
        ya, yb = horizon + t0 ** 1.6 * (h - horizon), \
            horizon + (t0 + 0.06) ** 1.6 * (h - horizon)
        lw = 1 + 4 * t0
        cv.poly([(vx - lw / 2, ya), (vx + lw / 2, ya), (vx + lw, yb),
                 (vx - lw, yb)], M['lane'], ROAD)
    rails = rng.random() < 0.3
    if rails:  # tram rails in the left lane: void, as rail track is
        for dx in (-0.55, -0.25):
            top = (vx + dx * 0.05 * half, horizon + 2)
            bot = (vx + dx * half, h)
            cv.line(top, bot, 3, M['rail'], IGNORE)
    if rng.random() < 0.6:  # fence along one side of the road
        fy = horizon + rng.uniform(0.02, 0.08) * h
        fx0 = rng.uniform(0, w * 0.5)
        fx1 = fx0 + rng.uniform(60, 200)
        fh = rng.uniform(12, 24)
        cv.rect(fx0, fy - fh, fx1, fy - fh + 2, M['fence'], FENCE)
        for fx in np.arange(fx0, fx1, 5):
            cv.rect(fx, fy - fh, fx + 1, fy, M['fence'], FENCE)
        cv.lab[int(fy - fh):int(fy) + 1, int(fx0):int(fx1) + 1][
            cv.lab[int(fy - fh):int(fy) + 1, int(fx0):int(fx1) + 1] != FENCE] \
            = FENCE

    # Objects, far to near. Each entry: (ground y, kind).
    items = []
    for _ in range(rng.integers(2, 6)):
        items.append((rng.uniform(horizon + 4, horizon + 0.4 * h), 'tree'))
    for _ in range(rng.integers(2, 6)):
        items.append((rng.uniform(horizon + 5, h - 10), 'pole'))
    for _ in range(rng.integers(2, 6)):
        items.append((rng.uniform(horizon + 8, h - 5), 'vehicle'))
    for _ in range(rng.integers(1, 6)):
        items.append((rng.uniform(horizon + 6, h - 5), 'person'))
    for _ in range(rng.integers(0, 3)):
        items.append((rng.uniform(horizon + 10, h - 5), 'two_wheeler'))
    if rng.random() < 0.35:
        items.append((rng.uniform(horizon + 0.15 * h, h - 20), 'bus'))
    for gy, kind in sorted(items):
        s = 8 + 75 * (gy - horizon) / (h - horizon)  # perspective scale
        lo, hi = _road_edges(gy, horizon, vx, h, w, half)
        if kind in ('vehicle', 'two_wheeler', 'bus'):
            x = rng.uniform(lo + 0.2 * s, hi - 0.2 * s)
            if kind == 'vehicle':
                _vehicle(cv, x, gy, s,
                         'car' if rng.random() < 0.75 else 'truck', rng)
            elif kind == 'two_wheeler':
                _two_wheeler(cv, x, gy, s, rng.random() < 0.4, rng)
            else:
                on_rails = rails and rng.random() < 0.7
                if on_rails:
                    x = vx - 0.4 * (lo - vx) * -1 - 0.4 * (vx - lo)
                _vehicle(cv, x, gy, s, 'train' if on_rails else 'bus', rng)
        else:
            side = -1 if rng.random() < 0.5 else 1
            edge = lo if side < 0 else hi
            x = edge + side * rng.uniform(0.1, 0.6) * s
            if kind == 'tree':
                x = edge + side * rng.uniform(0.5, 1.5) * s
                tw = max(2, 0.08 * s)
                cv.rect(x - tw / 2, gy - 1.6 * s, x + tw / 2, gy, M['bark'],
                        VEGETATION)
                cv.ellipse((x, gy - 1.9 * s), (0.7 * s, 0.6 * s), M['foliage'],
                           VEGETATION)
            elif kind == 'pole':
                _pole(cv, x, gy, gy - 1.8 * s, s, rng)
            else:
                _figure(cv, x, gy, 0.9 * s, PERSON, rng)

    if rng.random() < 0.3:  # ego-vehicle hood, void as in Cityscapes
        cv.poly([(0, h), (0, h - 0.06 * h), (w * 0.3, h - 0.1 * h),
                 (w * 0.7, h - 0.1 * h), (w, h - 0.06 * h), (w, h)], M['hood'],
                IGNORE)

    # Render: textures, lighting, a cast shadow, blur and sensor noise.
    tex = _textures(h, w, rng)
    yy, xx = np.mgrid[0:h, 0:w]
    img = tex[cv.mat, yy, xx]
    if rng.random() < 0.6:
        x0 = rng.uniform(-0.3, 0.8) * w
        sh = np.array([(x0, h), (x0 + rng.uniform(0.1, 0.4) * w, horizon),
                       (x0 + rng.uniform(0.3, 0.7) * w, horizon),
                       (x0 + rng.uniform(0.4, 1.0) * w, h)], np.int32)
        cv2.fillPoly(cv.shade, [sh], float(rng.uniform(0.45, 0.75)))
    tint = rng.uniform(0.75, 1.25, 3).astype(np.float32)
    gain = rng.uniform(0.55, 1.35)
    img = img * cv.shade[..., None] * tint * gain
    img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.4, 1.0))
    img += rng.normal(0, rng.uniform(3, 10), img.shape).astype(np.float32)
    img = np.clip(img, 0, 255).astype(np.uint8)
    return dict(img=np.ascontiguousarray(img[..., ::-1]), label=cv.lab)
