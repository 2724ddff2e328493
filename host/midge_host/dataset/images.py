"""Images: read common formats, normalise to the project's grayscale size, write PNG.

Contract:

- ``SOURCE_SUFFIXES``: what ``midge data import`` reads (PNG, PGM/PPM, BMP, JPEG).
- ``read(path) -> PIL.Image``: MidgeError naming the file if it is not an image.
- ``normalise(image, width, height) -> (uint8 array (height, width), notes)``:
  grayscale (ITU-R 601 luma, as PIL's "L"), centre-cropped to the target
  aspect ratio, then resized with a Lanczos filter. ``notes`` names each
  conversion made ("converted RGB to grayscale", "resized 320x240 to 96x96").
- ``crop_box(w, h, width, height)``: the centre crop ``normalise`` keeps.
- ``encode(pixels) -> bytes``: an 8-bit grayscale PNG.
- ``size(path) -> (width, height, mode)``: header only.
- ``frames(path) -> [PIL.Image]``: every frame of an image recording
  (``midge.pgm``, several frames back to back), else the one image.
- ``sequence(path) -> [PIL.Image]``: the frames of an image file, or of every
  image file in a folder (recursively, by path): what a camera replay shows.
- ``recording(paths) -> bytes``: the images as an image recording the board
  replays as a camera (``midge.pgm``: 8-bit gray frames at the first image's
  size, the others normalised to it), in the order given.
"""

import io

import numpy as np
from PIL import Image, UnidentifiedImageError

from midge_host.errors import MidgeError

SOURCE_SUFFIXES = (".png", ".pgm", ".ppm", ".bmp", ".jpg", ".jpeg")


def read(path):
    """The image at ``path``, fully loaded."""
    try:
        with Image.open(path) as img:
            img.load()
            return img
    except (UnidentifiedImageError, OSError, SyntaxError) as err:
        raise MidgeError(f"{path}: not a readable image ({err})",
                         hint="midge reads PNG, PGM/PPM, BMP and JPEG files") from None


def frames(path):
    """See the module docstring."""
    from midge import pgm
    if str(path).lower().endswith(".pgm"):
        found = []
        try:
            with open(path, "rb") as f:
                while (shape := pgm.parse_header(f)) is not None:
                    width, height = shape
                    pixels = f.read(width * height)
                    if len(pixels) != width * height:
                        raise ValueError(f"frame {len(found)} is cut short")
                    found.append(Image.frombytes("L", shape, pixels))
        except ValueError as err:
            if found:  # a recording with a bad frame: say so, never drop frames silently
                raise MidgeError(f"{path}: not an image recording ({err})") from None
            found = []  # a PGM that midge.pgm does not read (16-bit, ASCII): PIL reads it
        if len(found) > 1:
            return found
    return [read(path)]


def sequence(path):
    """See the module docstring."""
    from pathlib import Path
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.suffix.lower() in SOURCE_SUFFIXES)
        if not files:
            raise MidgeError(f"{path}: no images in this folder", hint="PNG, PGM, BMP or JPEG files")
        return [image for p in files for image in frames(p)]
    if not path.is_file():
        raise MidgeError(f"{path}: no such image or folder")
    return frames(path)


def size(path):
    """(width, height, PIL mode) of the image at ``path``, from its header."""
    try:
        with Image.open(path) as img:
            return img.width, img.height, img.mode
    except (UnidentifiedImageError, OSError, SyntaxError) as err:
        raise MidgeError(f"{path}: not a readable image ({err})") from None


def normalise(image, width, height):
    """(pixels, notes): ``image`` as ``height`` x ``width`` uint8 grayscale."""
    notes = []
    if image.mode != "L":
        notes.append(f"converted {image.mode} to grayscale")
        image = image.convert("L")
    if image.size != (width, height):
        w, h = image.size
        notes.append(f"resized {w}x{h} to {width}x{height}")
        image = image.resize((width, height), Image.Resampling.LANCZOS, box=crop_box(w, h, width, height))
    return np.asarray(image, dtype=np.uint8), notes


def crop_box(w, h, width, height):
    """(x0, y0, x1, y1): the centre crop of a ``w`` x ``h`` image to the aspect ratio of
    ``width`` x ``height``, the part ``normalise`` keeps."""
    if w * height > h * width:  # too wide: crop the sides
        keep = round(h * width / height)
        return (w - keep) // 2, 0, (w - keep) // 2 + keep, h
    keep = round(w * height / width)
    return 0, (h - keep) // 2, w, (h - keep) // 2 + keep


def recording(paths):
    """See the module docstring."""
    from midge import pgm
    if not paths:
        raise MidgeError("no images to make an image recording of")
    first = read(paths[0])
    width, height = first.size
    parts = []
    for path in paths:
        pixels, _ = normalise(first if path == paths[0] else read(path), width, height)
        parts += [pgm.header(width, height), pixels.tobytes()]
    return b"".join(parts)


def encode(pixels):
    """PNG bytes of a 2-D uint8 array."""
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels, dtype=np.uint8)).save(buf, format="PNG")
    return buf.getvalue()
