"""Bounding boxes as people label them: Edge Impulse's ``bounding_boxes.labels``,
Pascal VOC XML and YOLO txt, read into one form.

    labelled = read_boxes(folder)        # the format found in ``folder``
    for item in labelled:                # sorted by image path
        item.image                       # Path of the image file
        item.width, item.height          # the image's size in pixels
        item.boxes                       # [Box(label, x, y, w, h)]: pixels, top-left origin, ints

Contract:
- ``detect_format(folder)``: "edge-impulse" (a ``bounding_boxes.labels`` file),
  "voc" (``*.xml`` annotations) or "yolo" (``*.txt`` beside images, class
  names in ``classes.txt``, ``obj.names`` or ``data.yaml``'s ``names``);
  MidgeError when none is found.
- Boxes are clipped to the image; a box that lies outside it, or has no area,
  a label that is empty, an unknown YOLO class id, coordinates that are not
  numbers: a MidgeError naming the file and the box (its index or line).
- Images without boxes (a VOC file without objects, an empty YOLO file) are
  kept: they are background examples.

A detection project keeps its boxes in ``data/boxes.json`` (``STORE``)::

    {"version": 1, "boxes": {"circle/img1.png": [["circle", x, y, w, h], ...], ...}}

keyed by the image's path under data/, in pixels of the stored image (the
project's size); an image without an entry holds no objects. ``load_store(data_dir)
-> {path: [Box]}`` (MidgeError naming the entry for anything malformed) and
``save_store(data_dir, boxes)`` (atomic; paths sorted) read and write it.
``dominant(boxes, labels)`` is the folder an image goes to: the label it
holds most boxes of (ties: the first in ``labels``), else ``labels[0]``
(the background).
"""

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from midge_host.dataset.images import SOURCE_SUFFIXES, size
from midge_host.errors import MidgeError

FORMATS = ("edge-impulse", "voc", "yolo")
STORE = "boxes.json"
EI_FILE = "bounding_boxes.labels"
YOLO_NAMES = ("classes.txt", "obj.names", "data.yaml")


@dataclass(frozen=True)
class Box:
    label: str
    x: int
    y: int
    w: int
    h: int


@dataclass
class Labelled:
    image: Path
    width: int
    height: int
    boxes: list = field(default_factory=list)


def detect_format(folder):
    folder = Path(folder)
    if (folder / EI_FILE).is_file():
        return "edge-impulse"
    if any(folder.rglob("*.xml")):
        return "voc"
    if any(p.name not in YOLO_NAMES for p in folder.rglob("*.txt")):
        return "yolo"
    raise MidgeError(f"{folder}: no bounding boxes found",
                     hint=f"give a folder with Edge Impulse's {EI_FILE}, Pascal VOC .xml files, "
                          "or YOLO .txt files beside the images (with classes.txt)")


def read_boxes(folder, fmt=None):
    """Every labelled image under ``folder`` (see the module docstring)."""
    folder = Path(folder)
    fmt = fmt or detect_format(folder)
    if fmt not in FORMATS:
        raise MidgeError(f"unknown bounding-box format {fmt!r}", hint=f"one of {', '.join(FORMATS)}")
    read = {"edge-impulse": _edge_impulse, "voc": _voc, "yolo": _yolo}[fmt]
    return sorted(read(folder), key=lambda item: str(item.image))


def _image_size(path, where):
    if not path.is_file():
        raise MidgeError(f"{where}: image {path.name} not found", hint=f"put it in {path.parent}")
    width, height, _ = size(path)
    return width, height


def _number(value, where, what):
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise MidgeError(f"{where}: {what} is {value!r}, not a number") from None
    if v != v or v in (float("inf"), float("-inf")):
        raise MidgeError(f"{where}: {what} is {value!r}, not a number")
    return v


def _box(label, x0, y0, x1, y1, width, height, where):
    """A Box of the pixel rectangle [x0, x1) x [y0, y1), clipped to the image."""
    if not isinstance(label, str) or not label.strip():
        raise MidgeError(f"{where}: the box has no label")
    cx0, cy0 = max(0, round(x0)), max(0, round(y0))
    cx1, cy1 = min(width, round(x1)), min(height, round(y1))
    if cx1 <= cx0 or cy1 <= cy0:
        raise MidgeError(f"{where}: the box ({x0:g}, {y0:g})-({x1:g}, {y1:g}) has no area inside the "
                         f"{width}x{height} image")
    return Box(label.strip(), cx0, cy0, cx1 - cx0, cy1 - cy0)


def _edge_impulse(folder):
    path = folder / EI_FILE
    try:
        doc = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise MidgeError(f"{path}: not JSON ({err})") from None
    boxes = doc.get("boundingBoxes") if isinstance(doc, dict) else None
    if not isinstance(boxes, dict):
        raise MidgeError(f"{path}: no 'boundingBoxes' object",
                         hint='Edge Impulse writes {"version": 1, "type": "bounding-box-labels", '
                              '"boundingBoxes": {"image.jpg": [{"label", "x", "y", "width", "height"}]}}')
    items = []
    for name, listed in boxes.items():
        image = folder / name
        width, height = _image_size(image, f"{path}: {name}")
        if not isinstance(listed, list):
            raise MidgeError(f"{path}: {name}: the boxes are not a list")
        item = Labelled(image, width, height)
        for k, b in enumerate(listed):
            where = f"{path}: {name}: box {k}"
            if not isinstance(b, dict):
                raise MidgeError(f"{where}: not an object")
            x, y = _number(b.get("x"), where, "x"), _number(b.get("y"), where, "y")
            w, h = _number(b.get("width"), where, "width"), _number(b.get("height"), where, "height")
            item.boxes.append(_box(b.get("label"), x, y, x + w, y + h, width, height, where))
        items.append(item)
    return items


def _voc(folder):
    items = []
    for path in sorted(folder.rglob("*.xml")):
        try:
            root = ET.parse(path).getroot()
        except ET.ParseError as err:
            raise MidgeError(f"{path}: not XML ({err})") from None
        if root.tag != "annotation":
            raise MidgeError(f"{path}: not a Pascal VOC annotation (root element <{root.tag}>)")
        name = (root.findtext("filename") or "").strip()
        if not name:
            raise MidgeError(f"{path}: no <filename>")
        image = path.parent / name
        width, height = _image_size(image, str(path))
        item = Labelled(image, width, height)
        for k, obj in enumerate(root.findall("object")):
            where = f"{path}: object {k}"
            bnd = obj.find("bndbox")
            if bnd is None:
                raise MidgeError(f"{where}: no <bndbox>")
            # VOC pixel coordinates are 1-based and inclusive
            x0, y0, x1, y1 = (_number(bnd.findtext(t), where, t) for t in ("xmin", "ymin", "xmax", "ymax"))
            item.boxes.append(_box(obj.findtext("name"), x0 - 1, y0 - 1, x1, y1, width, height, where))
        items.append(item)
    return items


def _yolo_names(folder):
    for name in YOLO_NAMES:
        path = folder / name
        if not path.is_file():
            continue
        text = path.read_text()
        if name != "data.yaml":
            return [line.strip() for line in text.splitlines() if line.strip()]
        return _yaml_names(path, text)
    raise MidgeError(f"{folder}: YOLO labels need their class names",
                     hint="put them in classes.txt (one per line, in class id order)")


def _yaml_names(path, text):
    """``names`` of a YOLO data.yaml: an inline list, a block list or an id: name map."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"names\s*:\s*(.*)$", line)
        if not m:
            continue
        rest = m.group(1).split("#")[0].strip()
        if rest.startswith("["):
            return [n.strip().strip("'\"") for n in rest.strip("[]").split(",") if n.strip()]
        names = {}
        for k, row in enumerate(lines[i + 1:]):
            if row.strip() and not row.startswith((" ", "\t", "-")):
                break
            item = re.match(r"\s*-\s*(.+)$", row) or re.match(r"\s*(\d+)\s*:\s*(.+)$", row)
            if item and item.lastindex == 1:
                names[len(names)] = item.group(1).strip().strip("'\"")
            elif item:
                names[int(item.group(1))] = item.group(2).strip().strip("'\"")
        if names and sorted(names) == list(range(len(names))):
            return [names[k] for k in range(len(names))]
    raise MidgeError(f"{path}: no 'names' list", hint="write the class names in classes.txt, one per line")


def _yolo(folder):
    names = _yolo_names(folder)
    images = {p.with_suffix(""): p for p in folder.rglob("*") if p.suffix.lower() in SOURCE_SUFFIXES}
    items = []
    for path in sorted(folder.rglob("*.txt")):
        if path.name in YOLO_NAMES:
            continue
        image = images.get(path.with_suffix(""))
        if image is None:
            raise MidgeError(f"{path}: no image of the same name beside it",
                             hint=f"YOLO pairs {path.stem}.txt with {path.stem}.jpg/.png/...")
        width, height = _image_size(image, str(path))
        item = Labelled(image, width, height)
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if not line.strip():
                continue
            where = f"{path}: line {n}"
            cells = line.split()
            if len(cells) != 5:
                raise MidgeError(f"{where}: expected 'class cx cy w h', got {line.strip()!r}")
            cls = cells[0]
            if not cls.isdigit() or int(cls) >= len(names):
                raise MidgeError(f"{where}: class {cls!r} is not one of the {len(names)} classes (0..{len(names) - 1})")
            cx, cy, w, h = (_number(v, where, what) for v, what in zip(cells[1:], ("cx", "cy", "w", "h")))
            if min(cx, cy, w, h) < 0 or max(cx, cy, w, h) > 1:
                raise MidgeError(f"{where}: YOLO coordinates are fractions of the image (0..1), got {line.strip()!r}")
            item.boxes.append(_box(names[int(cls)], (cx - w / 2) * width, (cy - h / 2) * height,
                                   (cx + w / 2) * width, (cy + h / 2) * height, width, height, where))
        items.append(item)
    return items


def load_store(data_dir):
    """See the module docstring."""
    path = Path(data_dir) / STORE
    if not path.is_file():
        return {}
    try:
        doc = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise MidgeError(f"{path}: not JSON ({err})", hint="restore it from a backup or re-import the boxes") from None
    listed = doc.get("boxes") if isinstance(doc, dict) and doc.get("version") == 1 else None
    if not isinstance(listed, dict):
        raise MidgeError(f"{path}: not a midge boxes file (version 1 with a 'boxes' object)")
    out = {}
    for name, rows in listed.items():
        where = f"{path}: {name}"
        if not isinstance(rows, list):
            raise MidgeError(f"{where}: the boxes are not a list")
        found = []
        for k, row in enumerate(rows):
            if (not isinstance(row, list) or len(row) != 5 or not isinstance(row[0], str)
                    or not all(isinstance(v, int) and not isinstance(v, bool) for v in row[1:])
                    or min(row[1:3]) < 0 or min(row[3:]) < 1):
                raise MidgeError(f"{where}: box {k} is not [label, x, y, w, h] with whole pixels (w, h >= 1)")
            found.append(Box(*row))
        out[name] = found
    return out


def save_store(data_dir, boxes):
    """See the module docstring."""
    from midge_host.files import write_atomic
    rows = [f"  {json.dumps(name)}: {json.dumps([[b.label, b.x, b.y, b.w, b.h] for b in boxes[name]])}"
            for name in sorted(boxes)]  # one image per line: readable, and diffs stay small
    write_atomic(Path(data_dir) / STORE, '{"version": 1, "boxes": {\n' + ",\n".join(rows) + "\n}}\n")


def dominant(boxes, labels):
    """See the module docstring."""
    counts = [sum(b.label == label for b in boxes) for label in labels]
    best = max(range(len(labels)), key=lambda k: (counts[k], -k))
    return labels[best] if counts[best] else labels[0]
