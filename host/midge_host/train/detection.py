"""Object detection (task "detection", FOMO) on the host: training targets
from boxes, and centroid precision / recall / F1 of decoded detections.

Contract:

- ``targets(project, files) -> (boxes, cells)``: each file's boxes (from
  ``data/boxes.json``, ``dataset.boxes``) and its (rows, cols) int64 target:
  the cell holding a box's centre gets the box's class index, every other
  cell 0 (the background). A box label that is not a project label is a
  MidgeError naming the image.
- ``weights(cells, object_weight)``: per-cell loss weights, ``object_weight``
  for object cells, 1 for the background.
- ``decode(meta, outputs)``: per image, the objects ``midge.detect.Detector``
  (the board's decoder, with meta's ``detection`` settings) finds in int8
  outputs (N, rows * cols * classes): ``[(class index, x, y, score)]``.
  ``to_int8(probabilities)`` puts a float model's softmax on the int8 output
  grid (scale 1/256, zero point -128) so the float model is decoded the same way.
- ``score(objects, boxes, labels) -> dict``: a detection is a true positive
  when its centroid lies inside a box of its class not matched yet (each box
  matched once, detections taken by score, highest first); the rest are false
  positives, unmatched boxes false negatives. Returns ``precision``,
  ``recall``, ``f1`` (micro, over all classes; 1.0 when there is nothing to
  find and nothing found), per class ``classes`` {label: {tp, fp, fn, f1}},
  and ``confusion``: rows the true class (row 0: no box free to match there,
  e.g. a second detection of one object), columns the detected class
  (column 0: missed), counts.
"""

import numpy as np

from midge_host.dataset import boxes as box_store
from midge_host.errors import MidgeError


def grid(project):
    """(rows, cols, cell) of the project's heatmap: cells of 8 x 8 pixels."""
    return project.input["height"] // 8, project.input["width"] // 8, 8


def targets(project, files):
    """See the module docstring."""
    store = box_store.load_store(project.data_dir)
    rows, cols, cell = grid(project)
    out = np.zeros((len(files), rows, cols), np.int64)
    found = []
    for i, path in enumerate(files):
        name = path.relative_to(project.data_dir).as_posix()
        listed = store.get(name, [])
        for b in listed:
            if b.label not in project.labels[1:]:
                raise MidgeError(f"{project.data_dir / box_store.STORE}: {name}: box label {b.label!r} is not "
                                 f"one of the project's classes ({', '.join(project.labels[1:])})",
                                 hint="add it to labels in midge.toml or fix the box")
            r = min(rows - 1, (2 * b.y + b.h) // (2 * cell))
            c = min(cols - 1, (2 * b.x + b.w) // (2 * cell))
            out[i, r, c] = project.labels.index(b.label)
        found.append(listed)
    return found, out


def weights(cells, object_weight):
    """See the module docstring."""
    return np.where(cells > 0, float(object_weight), 1.0).astype(np.float32)


def to_int8(probabilities):
    """See the module docstring."""
    q = np.rint(np.asarray(probabilities, np.float64) * 256) - 128
    return np.clip(q, -128, 127).astype(np.int8)


def decode(meta, outputs):
    """See the module docstring."""
    from array import array

    from midge.detect import Detector
    d = Detector.from_meta(meta)
    found = []
    for row in np.asarray(outputs, np.int8).reshape(len(outputs), -1):
        n = d.decode(array("b", row.tobytes()))
        found.append([(d.label[k], d.x[k], d.y[k], d.score[k]) for k in range(n)])
    return found


def score(objects, boxes, labels):
    """See the module docstring."""
    n = len(labels)
    confusion = np.zeros((n, n), np.int64)
    tp, fp, fn = np.zeros(n, np.int64), np.zeros(n, np.int64), np.zeros(n, np.int64)
    for found, truth in zip(objects, boxes):
        truth_ix = [labels.index(b.label) for b in truth]
        matched = [False] * len(truth)
        for cls, x, y, _ in sorted(found, key=lambda o: -o[3]):
            inside = [k for k, b in enumerate(truth) if not matched[k]
                      and b.x <= x < b.x + b.w and b.y <= y < b.y + b.h]
            mine = [k for k in inside if truth_ix[k] == cls]
            if mine:
                matched[mine[0]] = True
                tp[cls] += 1
                confusion[cls, cls] += 1
            else:
                fp[cls] += 1
                confusion[truth_ix[inside[0]] if inside else 0, cls] += 1
        for k, hit in enumerate(matched):
            if not hit:
                fn[truth_ix[k]] += 1
                confusion[truth_ix[k], 0] += 1
    per_class = {labels[c]: {"tp": int(tp[c]), "fp": int(fp[c]), "fn": int(fn[c]),
                             "f1": _f1(tp[c], fp[c], fn[c])[2]} for c in range(1, n)}
    precision, recall, f1 = _f1(tp.sum(), fp.sum(), fn.sum())
    return {"precision": precision, "recall": recall, "f1": f1, "classes": per_class,
            "confusion": confusion.tolist(), "objects": int(tp.sum() + fn.sum()),
            "detected": int(tp.sum() + fp.sum())}


def _f1(tp, fp, fn):
    if tp + fp + fn == 0:
        return 1.0, 1.0, 1.0
    precision = float(tp / (tp + fp)) if tp + fp else 0.0
    recall = float(tp / (tp + fn)) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1
