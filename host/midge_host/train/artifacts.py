"""The files a trained project ships in ``build/`` (docs/artifacts.md).

- ``model.tflite``: the int8 model; ``labels.txt``: one label per line, in
  output order.
- ``meta.json`` (``meta(...)`` builds it and checks it with ``midge.meta``,
  the schema's owner; ``write_json`` writes it).
- ``vectors.bin`` (``write_vectors`` / ``read_vectors``: numpy views of
  ``midge.vectors``' format).
- ``model_card.md`` (``write_model_card``): data, metrics, sizes and board fit
  from whatever of meta.json, training.json, metrics.json and profile.json
  exists; quantize, eval and profile each rewrite it.
"""

import json
import os
from datetime import datetime, timezone

import numpy as np

from midge import meta as device_meta
from midge import vectors
from midge_host import __version__
from midge_host.errors import MidgeError
from midge_host.files import write_atomic

DETECTION_PROBABILITY = 0.6
"""Classification detection threshold as a probability (int8: round(p * 256) - 128)."""
SUPPRESSION_MS = 1500
AVERAGE_WINDOW_MS = 1000


def write_json(path, doc):
    write_atomic(path, json.dumps(doc, indent=1) + "\n")


def read_json(path):
    """A JSON file of build/, or None when absent."""
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def smoothing(project):
    """Recognizer settings: averaging over ``AVERAGE_WINDOW_MS`` (at least one
    stride), detection at probability DETECTION_PROBABILITY in int8 score units,
    ``minimum_count`` = results expected in the averaging window."""
    stride = project.input.get("stride_ms") if project.sensor != "camera" else None
    window = AVERAGE_WINDOW_MS if stride is None else int(max(AVERAGE_WINDOW_MS, round(stride)))
    count = 1 if stride is None else max(1, int(window // stride))
    return {"average_window_ms": window,
            "detection_threshold": int(round(DETECTION_PROBABILITY * 256)) - 128,
            "suppression_ms": SUPPRESSION_MS, "minimum_count": count}


def _rate(project):
    rate = project.sample_rate or 0
    return int(rate) if float(rate).is_integer() else rate


def meta(project, feature_config, inp, out, threshold, synthetic):
    """meta.json for ``project`` (``inp``/``out``: batch.Spec of the model's
    tensors), checked by ``midge.meta.check``."""
    camera = project.sensor == "camera"
    doc = {
        "format": device_meta.FORMAT, "name": project.name, "task": project.task,
        "labels": list(project.labels), "sensor": project.sensor, "sample_rate": _rate(project),
        "channels": len(project.input["columns"]) if project.sensor == "imu" else 1,
        "window_samples": 0 if camera else project.window_samples,
        "stride_samples": 0 if camera else project.stride_samples,
        "features": feature_config,
        "input": {"shape": list(inp.shape), "scale": float(inp.scale), "zero_point": int(inp.zero_point)},
        "output": {"shape": list(out.shape), "scale": float(out.scale), "zero_point": int(out.zero_point)},
        "board": project.board,
    }
    if project.task == "classification":
        doc["quiet_labels"] = list(project.quiet_labels)
        doc["smoothing"] = smoothing(project)
    if project.task == "anomaly":
        doc["anomaly"] = {"threshold": threshold, "score": "mse_int"}
    if project.task == "detection":
        from midge_host.train.detection import grid, to_int8
        rows, cols, cell = grid(project)
        doc["detection"] = {"rows": rows, "cols": cols, "cell": cell,
                            "threshold": int(to_int8(project.detection["threshold"])),
                            "max_objects": project.detection["max_objects"]}
    doc.update({"synthetic": synthetic, "vectors": "vectors.bin",
                "created": created(),
                "midge_version": __version__})
    try:
        return device_meta.check(doc)
    except ValueError as err:
        raise MidgeError(f"the meta.json midge would write is invalid: {err}",
                         hint="this is a bug in midge; please report it") from None


def created():
    """meta.json's ``created``: now (UTC), or SOURCE_DATE_EPOCH's time when set, as
    reproducible builds do (tools/build_models.py), so a rebuild gives the same bytes."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = datetime.fromtimestamp(int(epoch), timezone.utc) if epoch else datetime.now(timezone.utc)
    return when.isoformat(timespec="seconds")


def write_vectors(path, windows, inputs, outputs):
    """vectors.bin from int16 ``windows`` (N, n_samples; n_samples may be 0),
    int8 ``inputs`` (N, n_input) and ``outputs`` (N, n_output)."""
    count = len(inputs)
    windows = np.asarray(windows, dtype="<i2").reshape(count, -1)
    inputs = np.asarray(inputs, dtype=np.int8).reshape(count, -1)
    outputs = np.asarray(outputs, dtype=np.int8).reshape(count, -1)
    parts = [vectors.header(count, windows.shape[1], inputs.shape[1], outputs.shape[1])]
    for w, x, y in zip(windows, inputs, outputs):
        parts += [w.tobytes(), x.tobytes(), y.tobytes()]
    write_atomic(path, b"".join(parts))


def read_vectors(path):
    """(windows int16 (N, n_samples), inputs int8 (N, n_input), outputs int8 (N, n_output))."""
    blob = path.read_bytes()
    try:
        count, ns, ni, no = vectors.parse_header(blob, str(path))
    except ValueError as err:
        raise MidgeError(str(err)) from None
    record = vectors.record_size(ns, ni, no)
    if len(blob) != vectors.HEADER_SIZE + count * record:
        raise MidgeError(f"{path}: {len(blob)} bytes, expected {vectors.HEADER_SIZE + count * record}")
    rows = np.frombuffer(blob, np.uint8, offset=vectors.HEADER_SIZE).reshape(count, record)
    windows = np.ascontiguousarray(rows[:, :2 * ns]).view("<i2")
    inputs = np.ascontiguousarray(rows[:, 2 * ns:2 * ns + ni]).view(np.int8)
    outputs = np.ascontiguousarray(rows[:, 2 * ns + ni:]).view(np.int8)
    return windows, inputs, outputs


def _pct(v):
    return "-" if v is None else f"{100 * v:.1f} %"


def write_model_card(project):
    """build/model_card.md from the build/ JSON files present."""
    build = project.dir / "build"
    m = read_json(build / "meta.json")
    if m is None:
        return
    training = read_json(build / "training.json") or {}
    metrics = read_json(build / "metrics.json")
    profile = read_json(build / "profile.json")
    splits = read_json(project.splits_path) or {}
    lines = [f"# Model card: {project.name}", ""]
    if m["synthetic"]:
        lines += ["**Trained on SYNTHETIC data** (`midge data synth`): the figures below show what the",
                  "pipeline does, not how the model performs on real recordings.", ""]
    lines += ["| | |", "|---|---|",
              f"| task | {m['task']} |", f"| sensor | {m['sensor']} |",
              f"| model | `{training.get('model', '?')}` ({training.get('parameters', '?')} parameters) |",
              f"| features | `{json.dumps(m['features'])}` |",
              f"| input | int8 {m['input']['shape']}, scale {m['input']['scale']:g}, zero point "
              f"{m['input']['zero_point']} |",
              f"| output | int8 {m['output']['shape']}, scale {m['output']['scale']:g}, zero point "
              f"{m['output']['zero_point']} |",
              f"| created | {m['created']} (midge {m['midge_version']}) |", ""]
    counts = splits.get("counts", {})
    if counts:
        sides = list(counts)
        lines += ["## Data", "", "| class | " + " | ".join(sides) + " |", "|---|" + "---:|" * len(sides)]
        for label in m["labels"]:
            lines.append(f"| {label} | " + " | ".join(str(counts[s].get(label, 0)) for s in sides) + " |")
        lines.append("")
    lines += ["## Metrics (test split)", ""]
    if metrics and m["task"] == "detection":
        lines += ["| engine | precision | recall | F1 (centroids in true boxes) |", "|---|---:|---:|---:|"]
        for engine in ("float", "int8", "device"):
            e = metrics["engines"].get(engine)
            if e:
                lines.append(f"| {engine} | {e['precision']:.3f} | {e['recall']:.3f} | {e['f1']:.3f} |")
        lines += ["", f"Device pipeline equals int8 TFLM: **{metrics['device_equals_tflm']}** "
                      f"({metrics['count']} test images).", ""]
    elif metrics:
        key = "auc" if m["task"] == "anomaly" else "accuracy"
        lines += ["| engine | accuracy | " + ("AUC |" if key == "auc" else "macro F1 |"), "|---|---:|---:|"]
        for engine in ("float", "int8", "device"):
            e = metrics["engines"].get(engine)
            if e:
                second = f"{e['auc']:.3f}" if key == "auc" else f"{e['macro_f1']:.3f}"
                lines.append(f"| {engine} | {_pct(e['accuracy'])} | {second} |")
        lines += ["", f"Device pipeline equals int8 TFLM: **{metrics['device_equals_tflm']}** "
                      f"({metrics['count']} test windows).", ""]
    else:
        lines += [f"Not evaluated yet: run `midge eval {project.dir}`.", ""]
    lines += ["## Size and board fit", ""]
    if profile:
        lines += ["| board | deployed files | heap the app needs (of the board's) | headroom | latency / window "
                  "| real-time factor | verdict |", "|---|---:|---:|---:|---:|---:|---|"]
        for b in profile["boards"]:
            latency = "-" if b["latency_ms"] is None else f"{b['latency_ms']:.1f} ms"
            rtf = "-" if b["rtf"] is None else f"{b['rtf']:.3f}"
            lines.append(f"| {b['board']} | {b['files_bytes']['total']:,} B | {b['ram_bytes']:,} B of "
                         f"{b['heap_bytes']:,} B | {b['headroom']:.0%} | {latency} | {rtf} | {b['verdict']} |")
        lines += ["", f"Model file {profile['model_bytes']:,} B, arena {profile['arena_bytes']:,} B "
                      "(midge's planner). Heap: the smallest in which the deployed app runs, by bisection on "
                      "the 32-bit port. Latency is an estimate (docs/training.md, cost model).", ""]
    else:
        lines += [f"Not profiled yet: run `midge profile {project.dir}`.", ""]
    write_atomic(build / "model_card.md", "\n".join(lines))
