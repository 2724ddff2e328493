"""`midge data import` for a detection project: images with bounding boxes.

Contract: ``import_labelled(project, sources, options, progress) -> importer.Report``.

- Each source is a folder labelled in one of ``boxes.FORMATS`` (Edge
  Impulse's ``bounding_boxes.labels``, Pascal VOC XML, YOLO txt), found by
  ``boxes.detect_format`` unless ``options.boxes`` names it; errors name the
  file and the box.
- A box label that is not one of the project's classes (``labels[1:]``) is a
  MidgeError naming the file, box and label, with the project's classes.
- Each image becomes the project's grayscale size as any image import does
  (``images.normalise``: centre crop, resize) and its boxes go through the
  same crop and scale (rounded to whole pixels, clipped; a box the crop cuts
  off entirely is dropped with a warning). The image goes to the folder of
  the class it holds most boxes of (``boxes.dominant``; none: ``labels[0]``,
  the background), its boxes into ``data/boxes.json``.
- ``options.split`` and ``options.group`` work as for other imports.
- Nothing is lost, as in ``importer``: outputs written atomically, never over
  a different file; the boxes file is rewritten atomically after each source
  folder's images, and its images are indexed only after that (by the image's
  content and its boxes), so a rerun after a kill completes it and a rerun
  after success skips them.
"""

import hashlib
import json
import time

from midge_host.dataset import boxes as box_store
from midge_host.dataset import images, importer
from midge_host.errors import MidgeError
from midge_host.files import sha256_file, write_atomic


def _scaled(box, crop, width, height):
    """``box`` in the pixels of the crop ``crop`` resized to ``width`` x ``height``; None when cut off."""
    x0, y0, x1, y1 = crop
    sx, sy = width / (x1 - x0), height / (y1 - y0)
    bx0, by0 = max(0, round((box.x - x0) * sx)), max(0, round((box.y - y0) * sy))
    bx1, by1 = min(width, round((box.x + box.w - x0) * sx)), min(height, round((box.y + box.h - y0) * sy))
    if bx1 <= bx0 or by1 <= by0:
        return None
    return box_store.Box(box.label, bx0, by0, bx1 - bx0, by1 - by0)


def import_labelled(project, sources, options, progress=None):
    """See the module docstring."""
    from pathlib import Path
    report = importer.Report()
    width, height = project.input["width"], project.input["height"]
    classes = list(project.labels[1:])
    data_dir = project.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    index = importer._read_index(data_dir)
    importer._remove_unfinished(data_dir, project.labels, report)
    store = box_store.load_store(data_dir)
    for source in map(Path, sources):
        if not source.is_dir():
            raise MidgeError(f"{source}: a detection project imports folders of labelled images",
                             hint="give the folder that holds the images and their boxes "
                                  f"({', '.join(box_store.FORMATS)})")
        pending = []  # index records, written once the boxes file holds their boxes
        for item in box_store.read_boxes(source, options.boxes):
            for k, b in enumerate(item.boxes):
                if b.label not in classes:
                    raise MidgeError(f"{item.image}: box {k} is labelled {b.label!r}, not one of the project's "
                                     f"classes ({', '.join(classes)})",
                                     hint=f"add it to labels in {project.path}, or rename it in the labels")
            # the same image with other boxes is another sample
            boxes_text = json.dumps([[b.label, b.x, b.y, b.w, b.h] for b in item.boxes])
            digest = hashlib.sha256((sha256_file(item.image) + boxes_text).encode()).hexdigest()
            done = index.get(digest)
            if done and all((data_dir / out).is_file() for out in done["outputs"]):
                report.skipped += 1
                if progress:
                    progress(1)
                continue
            pixels, notes = images.normalise(images.read(item.image), width, height)
            for note in notes:
                report.warn(note, item.image)
            crop = images.crop_box(item.width, item.height, width, height)
            kept = [s for s in (_scaled(b, crop, width, height) for b in item.boxes) if s is not None]
            if len(kept) < len(item.boxes):
                report.warn("boxes outside the centre crop were dropped", item.image)
            label = box_store.dominant(kept, list(project.labels))
            folder = data_dir / label
            folder.mkdir(parents=True, exist_ok=True)
            payload = images.encode(pixels)
            (name,) = importer._free_names(folder, importer._stem(item.image, options.group), [payload], False,
                                           ".png")
            write_atomic(folder / name, payload)
            rel = f"{label}/{name}"
            store.pop(rel, None)
            if kept:
                store[rel] = kept
            record = {"sha256": digest, "source": str(item.image.resolve()), "label": label, "outputs": [rel],
                      "imported": time.strftime("%Y-%m-%dT%H:%M:%S")}
            if options.split:
                record["split"] = options.split
            pending.append(record)
            index[digest] = record
            report.imported += 1
            report.written += 1
            if progress:
                progress(1)
        box_store.save_store(data_dir, store)
        for record in pending:
            importer._append_index(data_dir, record)
    return report
