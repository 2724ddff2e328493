"""Synthetic grayscale scenes with and without a person (template "person").

Each group is one scene (a room or street: background, lighting and
furniture); its clips are that scene with the furniture nudged, the light
changed and, for "person", a person somewhere in it.
"""

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from midge_host.dataset import images

LABELS = ("no_person", "person")
DEFAULT_COUNT = 1000
CLIPS_PER_GROUP = 5
DESCRIPTION = """
Drawn with Pillow at 2x the project size, then downscaled. A scene has a
gradient background (random direction and levels), a floor/horizon line,
blurred texture noise and 3-9 clutter objects (rectangles as furniture,
doors and windows; ellipses as lamps and plants; lines as poles and shelves).
Every clip nudges the clutter, changes brightness/contrast/gamma, blurs
(radius 0.3-1.2 px) and adds sensor noise (sd 1-6 levels).

"person" clips add one person: a head (ellipse), torso, two arms and two
legs (thick lines) in a random pose, 35-110 % of the image height (so some
are cropped at the border), anywhere left to right, standing on the floor
line or partly off-image, 25-110 grey levels darker or lighter than the
background, with different shades for clothing. "no_person" clips add
person-like distractors half of the time: a lamp (ball on a pole), a coat
rack, a round sign on a post, or a vertical box with a circle on top, so a
round blob on a vertical shape is not enough to say "person".
"""


def check(project):
    """Nothing to check: numpy and Pillow only."""


def counts(count):
    return {label: count or DEFAULT_COUNT for label in LABELS}


def jobs(project, label, n, seed):
    c = LABELS.index(label)
    return [(f"scene{i // CLIPS_PER_GROUP:03d}{'p' if c else 'n'}", f"c{i % CLIPS_PER_GROUP}",
             (seed, c, i // CLIPS_PER_GROUP, i % CLIPS_PER_GROUP)) for i in range(n)]


def _background(w, h, rng):
    y, x = np.mgrid[0:h, 0:w] / max(w, h)
    angle = rng.uniform(0, 2 * np.pi)
    ramp = np.cos(angle) * x + np.sin(angle) * y
    lo, hi = sorted(rng.uniform(20, 235, 2))
    img = lo + (hi - lo) * (ramp - ramp.min()) / (np.ptp(ramp) or 1)
    return img + rng.uniform(3, 18) * _texture(w, h, rng)


def _texture(w, h, rng):
    """2-D noise with a 1/f**1.5 power spectrum, unit std (walls, foliage, grain)."""
    spectrum = np.fft.rfft2(rng.standard_normal((h, w)))
    fy = np.fft.fftfreq(h)[:, None]
    fx = np.fft.rfftfreq(w)[None, :]
    radius = np.hypot(fx, fy)
    radius[0, 0] = 1.0
    spectrum *= radius ** -0.75
    spectrum[0, 0] = 0
    x = np.fft.irfft2(spectrum, (h, w))
    return x / (np.std(x) or 1.0)


def _clutter(rng, w, h):
    """Scene objects as (shape, box or points, grey, width)."""
    objects = [("line", (0, int(h * rng.uniform(0.55, 0.85)), w, int(h * rng.uniform(0.55, 0.85))),
                int(rng.uniform(20, 235)), int(rng.integers(1, 4)))]
    for _ in range(rng.integers(3, 10)):
        kind = rng.choice(["rect", "ellipse", "line"], p=[0.55, 0.25, 0.2])
        x0, y0 = rng.uniform(-0.1, 0.9) * w, rng.uniform(-0.1, 0.9) * h
        bw, bh = rng.uniform(0.08, 0.5) * w, rng.uniform(0.05, 0.6) * h
        objects.append((str(kind), (x0, y0, x0 + bw, y0 + bh), int(rng.uniform(0, 255)),
                        int(rng.integers(1, 5))))
    return objects


def _draw(draw, objects, dx, dy):
    for kind, (x0, y0, x1, y1), grey, width in objects:
        box = (x0 + dx, y0 + dy, x1 + dx, y1 + dy)
        if kind == "rect":
            draw.rectangle(box, fill=grey)
        elif kind == "ellipse":
            draw.ellipse(box, fill=grey)
        else:
            draw.line(box, fill=grey, width=width)


def _limb(draw, start, angle, length, width, grey):
    end = (start[0] + length * np.sin(angle), start[1] + length * np.cos(angle))
    draw.line([start, end], fill=grey, width=max(1, int(width)))
    return end


def _person(draw, rng, w, h, floor, shade):
    height = rng.uniform(0.35, 1.1) * h
    cx = rng.uniform(0.05, 0.95) * w
    feet = floor + rng.uniform(-0.05, 0.35) * h
    head_r = height * rng.uniform(0.065, 0.08)
    top = feet - height
    skin, shirt, trousers = (np.clip(shade + rng.uniform(-25, 25, 3), 0, 255)).astype(int)
    shoulder = top + 2.2 * head_r
    hip = top + height * 0.52
    half = height * rng.uniform(0.09, 0.13)
    draw.ellipse((cx - head_r, top, cx + head_r, top + 2.2 * head_r), fill=int(skin))
    draw.polygon([(cx - half, shoulder), (cx + half, shoulder), (cx + half * 0.85, hip),
                  (cx - half * 0.85, hip)], fill=int(shirt))
    limb_w = height * rng.uniform(0.045, 0.07)
    for side in (-1, 1):
        upper = side * rng.uniform(0.05, 2.6)
        elbow = _limb(draw, (cx + side * half * 0.9, shoulder + limb_w / 2), upper,
                      height * 0.18, limb_w, int(shirt))
        _limb(draw, elbow, upper + side * rng.uniform(-0.6, 1.2), height * 0.17, limb_w * 0.85, int(skin))
        _limb(draw, (cx + side * half * 0.5, hip), side * rng.uniform(0.0, 0.35), height * 0.48,
              limb_w * 1.3, int(trousers))


def _distractor(draw, rng, w, h, floor, shade):
    cx = rng.uniform(0.05, 0.95) * w
    tall = rng.uniform(0.3, 1.0) * h
    top = floor - tall
    grey = int(np.clip(shade, 0, 255))
    kind = rng.integers(4)
    pole = max(1, int(tall * rng.uniform(0.02, 0.05)))
    draw.line([(cx, floor), (cx, top)], fill=grey, width=pole)
    r = tall * rng.uniform(0.06, 0.12)
    if kind == 0:  # lamp: ball on a pole
        draw.ellipse((cx - r, top - r, cx + r, top + r), fill=grey)
    elif kind == 1:  # coat rack: hooks at the top
        for side in (-1, 1):
            draw.line([(cx, top + r), (cx + side * 2 * r, top + 2 * r)], fill=grey, width=pole)
    elif kind == 2:  # round sign on a post
        draw.ellipse((cx - 2 * r, top - 2 * r, cx + 2 * r, top + 2 * r), fill=grey)
    else:  # box with a ball on top
        draw.rectangle((cx - 2 * r, top + 2 * r, cx + 2 * r, floor), fill=grey)
        draw.ellipse((cx - r, top, cx + r, top + 2 * r), fill=grey)


def render(project, job):
    seed, c, group, clip = job
    width, height = project.input["width"], project.input["height"]
    w, h = 2 * width, 2 * height
    scene = np.random.default_rng([seed, c, group])
    base = _background(w, h, scene)
    objects = _clutter(scene, w, h)
    floor = objects[0][1][1]
    rng = np.random.default_rng([seed, c, group, clip])
    img = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(img)
    _draw(draw, objects, *rng.uniform(-0.04, 0.04, 2) * w)
    local = float(np.median(base))
    shade = local + rng.choice([-1, 1]) * rng.uniform(25, 110)
    if shade < 0 or shade > 255:
        shade = local - np.sign(shade - local) * rng.uniform(25, 110)
    if LABELS[c] == "person":
        _person(draw, rng, w, h, floor, shade)
    elif rng.random() < 0.5:
        _distractor(draw, rng, w, h, floor, shade)
    img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.6, 2.4)))
    img = img.resize((width, height), Image.Resampling.LANCZOS)
    x = np.asarray(img, dtype=np.float64) / 255
    x = np.clip(x ** rng.uniform(0.7, 1.4) * rng.uniform(0.7, 1.2) + rng.uniform(-0.1, 0.1), 0, 1) * 255
    x += rng.uniform(1, 6) * rng.standard_normal(x.shape)
    pixels = np.clip(np.rint(x), 0, 255).astype(np.uint8)
    return images.encode(pixels)
