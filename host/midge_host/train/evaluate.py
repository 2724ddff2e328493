"""`midge eval`: the test split through three engines, with a report.

Contract: ``evaluate(project, say=print, progress=None) -> dict`` (also
``build/metrics.json``), after ``midge train`` and ``midge quantize``.

Engines, all on the test split's windows:

- ``float``: the Keras model on the host features;
- ``int8``: ``build/model.tflite`` under TFLite-Micro on the host features;
- ``device``: the complete device pipeline (``pipeline.run_device``: the
  board's feature code and interpreter, one unix-port process, viper on) on
  the raw windows.

The device's features must equal the host features and its outputs must equal
TFLM's, exactly: a difference is a MidgeError naming the file. Classification
metrics: accuracy, macro F1, per-class precision/recall/F1 and the confusion
matrix per engine. Anomaly: scores (``scores.mse_int`` for int8 and device,
the float equivalent for float), ROC AUC (faults positive), and accuracy of
the normal/anomaly decision at the threshold (float: training.json's; int8
and device: meta.json's). Writes ``build/report.md``, ``build/metrics.json``
and PNGs (``confusion_<engine>.png``, ``roc.png``) and rewrites the model card.
Detection (``train.detection``): each engine's heatmaps decoded by the
board's decoder (the float model's probabilities put on the int8 output
grid first), centroid precision, recall and F1 against the test images'
boxes (``engines.<engine>.f1``), a confusion table per engine, and
``detections.png``: test images with boxes and the device's detections.
The headline figure (``int8_minus_float``) is accuracy, or F1 for detection.
"""

import numpy as np

from midge_host.batch import run as run_engine, specs
from midge_host.errors import MidgeError
from midge_host.files import write_atomic
from midge_host.train import artifacts, data, metrics, plots
from midge_host.train.pipeline import run_device
from midge_host.train.scores import float_scores, mse_int
from midge_host.train.train import load_record

ENGINES = ("float", "int8", "device")


def _meta(project):
    build = project.dir / "build"
    doc = artifacts.read_json(build / "meta.json")
    if doc is None or not (build / "model.tflite").is_file():
        raise MidgeError(f"{project.dir} has no quantized model (build/model.tflite, build/meta.json)",
                         hint=f"run `midge quantize {project.dir}` first")
    return doc


def device_check(project, test, features, dev_features, tflm_out, dev_out):
    """MidgeError naming the first file where the device differs from the host/TFLM."""
    for i, path in enumerate(test.files):
        rel = path.relative_to(project.dir)
        if not np.array_equal(features[i].reshape(-1), dev_features[i]):
            diff = int(np.count_nonzero(features[i].reshape(-1) != dev_features[i]))
            raise MidgeError(f"{rel}: the device feature code gives {diff} value(s) different from "
                             "the host features; the parity contract is broken",
                             hint="this is a bug in midge; please report it with this file")
        if not np.array_equal(tflm_out[i].reshape(-1), dev_out[i]):
            raise MidgeError(f"{rel}: the device interpreter's output {dev_out[i].tolist()} differs "
                             f"from TFLM's {tflm_out[i].reshape(-1).tolist()}",
                             hint="this is a bug in midge's interpreter; please report it with this file")


def evaluate(project, say=print, progress=None):
    """Evaluate on the test split (see the module docstring); return metrics.json's dict."""
    record = load_record(project)
    meta = _meta(project)
    split = data.ensure_split(project, say)
    if "test" not in split["sides"]:
        raise MidgeError("the split has no test side",
                         hint=f"set training.test_fraction above 0, run `midge data split {project.dir}` "
                              "and train again")
    test = data.load_side(project, split, "test", record["feature_config"])
    data.check_classes(project, test, record["trained_labels"])
    build = project.dir / "build"
    path = build / "model.tflite"
    import keras
    model = keras.models.load_model(build / "model.keras")
    (inp,), (out,) = specs(path)
    x = test.x
    (tflm_out,) = run_engine("tflm", path, [x.reshape((len(x),) + inp.shape)], [out])
    windows = [data.read_window(project, f) for f in test.files]
    dev_features, dev_out = run_device(path, build / "meta.json", windows, progress)
    device_check(project, test, x, dev_features, tflm_out, dev_out)
    if project.task == "anomaly":
        engines = _anomaly(project, record, meta, model, test, tflm_out, dev_features, dev_out, build)
    elif project.task == "detection":
        engines = _detection(project, meta, model, test, windows, tflm_out, dev_out, build)
    else:
        engines = _classification(project, model, test, tflm_out, dev_out, build)
    headline = "f1" if project.task == "detection" else "accuracy"
    doc = {"task": project.task, "count": len(test), "labels": list(project.labels),
           "files": [f.relative_to(project.dir).as_posix() for f in test.files],
           "device_equals_tflm": True, "engines": engines,
           "int8_minus_float": engines["int8"][headline] - engines["float"][headline]}
    artifacts.write_json(build / "metrics.json", doc)
    _report(project, record, meta, doc, build)
    artifacts.write_model_card(project)
    return doc


def _classification(project, model, test, tflm_out, dev_out, build):
    probs = model.predict(test.x.astype(np.float32), batch_size=64, verbose=0)
    preds = {"float": probs.argmax(axis=1), "int8": tflm_out.reshape(len(test), -1).argmax(axis=1),
             "device": dev_out.argmax(axis=1)}
    engines = {}
    for name, pred in preds.items():
        m = metrics.classification(test.y, pred, project.labels)
        m["macro_f1"] = float(np.mean([c["f1"] for c in m["per_class"].values()]))
        m["predictions"] = pred.tolist()
        engines[name] = m
        plots.confusion(np.array(m["confusion"]), project.labels, build / f"confusion_{name}.png",
                        f"{project.name}: {name} ({100 * m['accuracy']:.1f} %)")
    return engines


def _detection(project, meta, model, test, windows, tflm_out, dev_out, build):
    from midge_host.train import detection
    truth, _ = detection.targets(project, test.files)
    probs = model.predict(test.x.astype(np.float32), batch_size=64, verbose=0)
    outputs = {"float": detection.to_int8(probs), "int8": tflm_out, "device": dev_out}
    labels = list(project.labels)
    engines = {}
    for name, out in outputs.items():
        found = detection.decode(meta, out.reshape(len(test), -1))
        m = detection.score(found, truth, labels)
        m["detections"] = [[[int(v) for v in o] for o in objs] for objs in found]
        engines[name] = m
        plots.confusion(np.array(m["confusion"]), ["(no box)"] + labels[1:], build / f"confusion_{name}.png",
                        f"{project.name}: {name} (F1 {m['f1']:.3f})", axes=("true box", "detected"),
                        columns=["(missed)"] + labels[1:])
        if name == "device":
            show = sorted(set(np.linspace(0, len(test) - 1, min(8, len(test))).astype(int).tolist()))  # every class
            plots.detections([windows[i] for i in show], [found[i] for i in show], [truth[i] for i in show],
                             labels, build / "detections.png", f"{project.name}: device detections (x) and "
                                                               "true boxes")
    return engines


def _anomaly(project, record, meta, model, test, tflm_out, dev_features, dev_out, build):
    truth = (test.y != project.labels.index(project.normal_label)).astype(int)
    scores = {"float": float_scores(model, test.x), "int8": mse_int(test.x, tflm_out),
              "device": mse_int(dev_features, dev_out)}
    thresholds = {"float": record["float_threshold"], "int8": meta["anomaly"]["threshold"],
                  "device": meta["anomaly"]["threshold"]}
    names = ["normal", "anomaly"]
    engines, curves = {}, {}
    for name, s in scores.items():
        fpr, tpr, auc = metrics.roc(truth, s)
        curves[name] = (fpr, tpr, auc)
        pred = (np.asarray(s) > thresholds[name]).astype(int)
        m = metrics.classification(truth, pred, names)
        m.update(auc=auc, threshold=thresholds[name], scores=[float(v) for v in s],
                 macro_f1=float(np.mean([c["f1"] for c in m["per_class"].values()])))
        m["detected_per_label"] = {lb: float(pred[test.y == k].mean()) for k, lb in enumerate(project.labels)
                                   if np.any(test.y == k)}
        engines[name] = m
        plots.confusion(np.array(m["confusion"]), names, build / f"confusion_{name}.png",
                        f"{project.name}: {name} at threshold {thresholds[name]:.4g}")
    fpr, tpr, auc = curves["int8"]
    plots.roc(fpr, tpr, auc, build / "roc.png", f"{project.name}: int8 (= device)")
    return engines


def _report(project, record, meta, doc, build):
    if project.task == "detection":
        return _detection_report(project, record, meta, doc, build)
    e = doc["engines"]
    anomaly = project.task == "anomaly"
    lines = [f"# Evaluation: {project.name}", ""]
    if meta["synthetic"]:
        lines += ["**Synthetic data**: these figures show the pipeline working, not real-world performance.", ""]
    lines += [f"Test split: {doc['count']} windows. Model `{record['model']}`, trained "
              f"{record['epochs_run']} epochs (best {record['best_epoch']}).", "",
              "| engine | accuracy | " + ("AUC | threshold |" if anomaly else "macro F1 |"),
              "|---|---:|---:|" + ("---:|" if anomaly else "")]
    for name in ENGINES:
        m = e[name]
        extra = f"{m['auc']:.4f} | {m['threshold']:.4g} |" if anomaly else f"{m['macro_f1']:.4f} |"
        lines.append(f"| {name} | {100 * m['accuracy']:.2f} % | {extra}")
    lines += ["", f"int8 minus float accuracy: {100 * doc['int8_minus_float']:+.2f} points. "
                  "The device pipeline (device feature code + device interpreter, unix port, viper) "
                  "equals int8 TFLM on every test window, features and outputs.", ""]
    for name in ENGINES:
        lines += [f"## {name}", "", f"![confusion {name}](confusion_{name}.png)", "",
                  "| class | precision | recall | F1 | support |", "|---|---:|---:|---:|---:|"]
        for label, c in e[name]["per_class"].items():
            lines.append(f"| {label} | {c['precision']:.3f} | {c['recall']:.3f} | {c['f1']:.3f} | {c['support']} |")
        if anomaly:
            lines += ["", "Flagged as anomalous per label: " + ", ".join(
                f"{lb} {100 * v:.0f} %" for lb, v in e[name]["detected_per_label"].items())]
        lines.append("")
    if anomaly:
        lines += ["## ROC", "", "![ROC](roc.png)", ""]
    lines += ["## Training curves", "", "![curves](curves.png)", ""]
    write_atomic(build / "report.md", "\n".join(lines))



def _detection_report(project, record, meta, doc, build):
    e = doc["engines"]
    lines = [f"# Evaluation: {project.name}", ""]
    if meta["synthetic"]:
        lines += ["**Synthetic data**: these figures show the pipeline working, not real-world performance.", ""]
    lines += [f"Test split: {doc['count']} images, {e['device']['objects']} objects. Model `{record['model']}`, "
              f"trained {record['epochs_run']} epochs (best {record['best_epoch']}). A detection counts when its "
              "centroid falls inside a true box of its class, each box matched once.", "",
              "| engine | precision | recall | F1 | detections |", "|---|---:|---:|---:|---:|"]
    for name in ENGINES:
        m = e[name]
        lines.append(f"| {name} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} | {m['detected']} |")
    lines += ["", f"int8 minus float F1: {doc['int8_minus_float']:+.3f}. The device pipeline equals int8 TFLM "
                  "on every test image, features and outputs.", "", "![detections](detections.png)", ""]
    for name in ENGINES:
        lines += [f"## {name}", "", f"![confusion {name}](confusion_{name}.png)", "",
                  "| class | TP | FP | FN | F1 |", "|---|---:|---:|---:|---:|"]
        for label, c in e[name]["classes"].items():
            lines.append(f"| {label} | {c['tp']} | {c['fp']} | {c['fn']} | {c['f1']:.3f} |")
        lines.append("")
    lines += ["## Training curves", "", "![curves](curves.png)", ""]
    write_atomic(build / "report.md", "\n".join(lines))
