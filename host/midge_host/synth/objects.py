"""Synthetic grayscale scenes with objects to count (template "objects").

Each image goes to the folder of the class it holds most of ("background":
none); its boxes are returned with it (``render`` gives ``(png, boxes)``).
Each group is one background; its clips are that background under other
light, with other objects.
"""

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from midge_host.dataset import images
from midge_host.synth.scenes import _background, _clutter, _draw

LABELS = ("background", "circle", "square", "triangle")
CLASSES = LABELS[1:]
DEFAULT_COUNT = 300
CLIPS_PER_GROUP = 5
MAX_OBJECTS = 5
DETECTION = True
DESCRIPTION = """
Drawn with Pillow at 2x the project size, then downscaled. A background is
a gradient (random direction and levels) with blurred texture noise and,
half of the time, 1-4 faint clutter shapes (lines, rectangles, ellipses at
most 30 grey levels from the background). Each image holds 1-5 objects
(a "background" image none): filled circles, squares and triangles (upright
within 17 degrees), 12-24 px across at the project size, 40-120 grey levels
darker or lighter than the background under them, centres at least 20 px
apart (objects in touching cells would merge into one). The image is in the
folder of the class it holds most of (ties: the first in label order); its
boxes are in data/boxes.json. Every image then gets a brightness, contrast
and gamma change, a blur (radius 0.3-1 px) and sensor noise (sd 1-5 levels).
"""


def check(project):
    """Nothing to check: numpy and Pillow only."""


def counts(count):
    return {label: count or DEFAULT_COUNT for label in LABELS}


def jobs(project, label, n, seed):
    c = LABELS.index(label)
    return [(f"bg{c}{i // CLIPS_PER_GROUP:03d}", f"c{i % CLIPS_PER_GROUP}", (seed, c, i // CLIPS_PER_GROUP,
                                                                            i % CLIPS_PER_GROUP))
            for i in range(n)]


def _classes(rng, c):
    """The classes of one image's objects: none for background, else mostly ``c``."""
    if c == 0:
        return []
    n = int(rng.integers(1, MAX_OBJECTS + 1))
    mine = n // 2 + 1  # a strict majority
    others = [k for k in range(1, len(LABELS)) if k != c]
    return [c] * mine + [others[int(i)] for i in rng.integers(0, len(others), n - mine)]


def _shape(draw, kind, cx, cy, r, angle, grey):
    """Draw the object; returns its extent (x0, y0, x1, y1)."""
    if kind == "circle":
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=grey)
        return cx - r, cy - r, cx + r, cy + r
    corners = 4 if kind == "square" else 3
    radius = r * (1.3 if kind == "square" else 1.25)
    points = [(cx + radius * np.cos(angle + 2 * np.pi * k / corners),
               cy + radius * np.sin(angle + 2 * np.pi * k / corners)) for k in range(corners)]
    draw.polygon(points, fill=grey)
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def render(project, job):
    """(PNG bytes, [(label, x, y, w, h)] in pixels of the project's size)."""
    seed, c, group, clip = job
    width, height = project.input["width"], project.input["height"]
    w, h = 2 * width, 2 * height
    scene = np.random.default_rng([seed, c, group])
    base = _background(w, h, scene)
    rng = np.random.default_rng([seed, c, group, clip])
    img = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(img)
    if rng.random() < 0.5:
        local = float(np.median(base))
        faint = [(kind, box, int(np.clip(local + rng.uniform(-30, 30), 0, 255)), width_)
                 for kind, box, _, width_ in _clutter(rng, w, h)[: int(rng.integers(1, 5))]]
        _draw(draw, faint, 0, 0)
    boxes = []
    placed = []
    for k in _classes(rng, c):
        for _ in range(50):  # a free spot, centres at least 2.5 cells apart (touching cells merge)
            r = rng.uniform(12, 24)  # a 12-24 px object: its radius at 2x
            cx, cy = rng.uniform(r + 2, w - r - 2), rng.uniform(r + 2, h - r - 2)
            if all(np.hypot(cx - x, cy - y) > max(r + q + 4, 40) for x, y, q in placed):
                break
        else:
            continue
        placed.append((cx, cy, r))
        under = float(np.mean(base[int(cy - r):int(cy + r), int(cx - r):int(cx + r)]))
        grey = under + rng.choice([-1, 1]) * rng.uniform(40, 120)
        if not 0 <= grey <= 255:
            grey = under - np.sign(grey - under) * rng.uniform(40, 120)
        grey = int(np.clip(grey, 0, 255))
        kind = LABELS[k]
        tilt = rng.uniform(-0.3, 0.3)  # upright, give or take 17 degrees
        x0, y0, x1, y1 = _shape(draw, kind, cx, cy, r, tilt + (np.pi / 4 if kind == "square" else -np.pi / 2), grey)
        x0, y0, x1, y1 = max(0.0, x0 / 2), max(0.0, y0 / 2), min(width, x1 / 2), min(height, y1 / 2)
        boxes.append((kind, int(round(x0)), int(round(y0)), int(round(x1 - x0)), int(round(y1 - y0))))
    img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.6, 2.0)))
    img = img.resize((width, height), Image.Resampling.LANCZOS)
    x = np.asarray(img, dtype=np.float64) / 255
    x = np.clip(x ** rng.uniform(0.75, 1.3) * rng.uniform(0.75, 1.15) + rng.uniform(-0.08, 0.08), 0, 1) * 255
    x += rng.uniform(1, 5) * rng.standard_normal(x.shape)
    return images.encode(np.clip(np.rint(x), 0, 255).astype(np.uint8)), boxes
