"""Every template trains, quantizes and evaluates on a small synthetic set;
the device pipeline equals int8 TFLM exactly (``evaluate`` raises otherwise)."""

import json
import re

import numpy as np
import pytest

from midge_host.cli import main
from midge_host.modelinfo import describe
from midge_host.train.artifacts import read_vectors
from midge_host.train.pipeline import run_device

OBJECTS_F1 = 0.80
ACCURACY = {"mosquito": 0.90, "motion": 0.95, "rainfall": 0.90, "person": 0.80}  # person measured 0.85-0.89
QUANTIZATION_LOSS = {"person": 0.02}
"""Accuracy int8 may lose against float: a point, or for the image model two (it lost one,
3 of 300 test images, in the run that set the bar; the synthetic set is hard on purpose)."""


@pytest.mark.slow
@pytest.mark.parametrize("template", sorted(ACCURACY))
def test_classification_accuracy(trained, template):
    project, metrics = trained(template)
    e = metrics["engines"]
    assert e["float"]["accuracy"] >= ACCURACY[template], e["float"]["accuracy"]
    assert e["int8"]["accuracy"] >= e["float"]["accuracy"] - QUANTIZATION_LOSS.get(template, 0.01)
    assert e["device"]["predictions"] == e["int8"]["predictions"]


@pytest.mark.slow
def test_objects_are_found_with_f1_above_the_bar_device_equal_to_int8(trained):
    project, metrics = trained("objects")
    e = metrics["engines"]
    # F1 0.82-0.91 over synthetic data seeds 0-3 (1: 0.84), precision the weaker side; TensorFlow's
    # float results (so the trained weights) differ between CPUs: a bar at 0.85 failed on another machine
    for name in ("float", "int8", "device"):
        assert e[name]["f1"] >= OBJECTS_F1, (name, e[name]["f1"], e[name]["precision"], e[name]["recall"])
    assert e["device"]["detections"] == e["int8"]["detections"] and metrics["device_equals_tflm"]
    meta = json.loads((project.dir / "build/meta.json").read_text())
    assert meta["detection"] == {"rows": 12, "cols": 12, "cell": 8, "threshold": 0, "max_objects": 16}
    assert meta["output"]["shape"] == [1, 12, 12, len(project.labels)]
    for name in ("detections.png", "confusion_device.png", "report.md", "model_card.md"):
        assert (project.dir / "build" / name).is_file(), name
    assert "F1 (centroids in true boxes)" in (project.dir / "build/model_card.md").read_text()


@pytest.mark.slow
def test_kws_yes_no_on_unseen_voices(trained):
    project, metrics = trained("kws")
    split = json.loads(project.splits_path.read_text())
    assert not set(split["sides"]["train"]["groups"]) & set(split["sides"]["test"]["groups"])
    m = metrics["engines"]["int8"]
    files = metrics["files"]
    yes_no = [i for i, f in enumerate(files) if f.split("/")[1] in ("yes", "no")]
    labels = list(project.labels)
    right = sum(labels[m["predictions"][i]] == files[i].split("/")[1] for i in yes_no)
    assert right / len(yes_no) >= 0.90


@pytest.mark.slow
def test_anomaly_scores_and_threshold(trained):
    project, metrics = trained("anomaly")
    meta = json.loads((project.dir / "build" / "meta.json").read_text())
    assert meta["anomaly"]["score"] == "mse_int"
    assert meta["features"]["output"] == "int32" and "int8_map" in meta["features"]
    assert meta["output"]["scale"] == 1 / 128 and meta["output"]["zero_point"] == 0
    assert metrics["engines"]["device"]["scores"] == metrics["engines"]["int8"]["scores"]


@pytest.mark.slow
def test_anomaly_auc(trained):
    _, metrics = trained("anomaly")
    e = metrics["engines"]
    assert e["int8"]["auc"] >= 0.95, e["int8"]["auc"]
    assert e["int8"]["auc"] >= e["float"]["auc"] - 0.01
    assert e["device"]["auc"] == e["int8"]["auc"]


@pytest.mark.slow
@pytest.mark.parametrize("template", ["person", "rainfall"])
def test_device_equals_tflm(trained, template):
    project, metrics = trained(template)
    assert metrics["device_equals_tflm"]
    assert metrics["engines"]["device"]["predictions"] == metrics["engines"]["int8"]["predictions"]
    if template == "person":  # a camera model's vectors hold the frames' pixels, for the board's verify
        build = project.dir / "build"
        windows, inputs, outputs = read_vectors(build / "vectors.bin")
        assert windows.shape == inputs.shape and windows.min() >= 0 and windows.max() <= 255
        feats, outs = run_device(build / "model.tflite", build / "meta.json", list(windows.astype(np.uint8)))
        assert np.array_equal(feats, inputs) and np.array_equal(outs, outputs)


@pytest.mark.slow
def test_artifacts_format(trained):
    project, _ = trained("mosquito")
    build = project.dir / "build"
    meta = json.loads((build / "meta.json").read_text())
    assert meta["format"] == 1 and meta["input"]["scale"] == 1 / 128 and meta["input"]["zero_point"] == 0
    # the input's Rescaling is not converted: no MUL op rescales the features on the board
    assert "MUL" not in [op["name"] for op in describe(build / "model.tflite", tflm_arena=False)["ops"]]
    assert set(meta) >= {"name", "task", "labels", "sensor", "sample_rate", "channels", "window_samples",
                         "stride_samples", "features", "input", "output", "smoothing", "synthetic",
                         "vectors", "created", "midge_version"}
    assert meta["synthetic"] is True
    assert (build / "labels.txt").read_text().split() == list(project.labels)
    windows, inputs, outputs = read_vectors(build / "vectors.bin")
    assert windows.shape == (len(inputs), meta["window_samples"] * meta["channels"])
    # the vectors replay bit-exactly through the device pipeline
    feats, outs = run_device(build / "model.tflite", build / "meta.json", list(windows))
    assert np.array_equal(feats, inputs) and np.array_equal(outs, outputs)
    for name in ("model_card.md", "report.md", "metrics.json", "curves.png", "confusion_device.png"):
        assert (build / name).is_file(), name


@pytest.mark.slow
def test_model_that_does_not_fit(trained, capsys):
    project, _ = trained("mosquito")
    # one run (each bisection is minutes under qemu): --strict fails on the board it does not
    # fit (the ESP32 without PSRAM: its 112 KiB heap cannot hold the app) and passes the Pico,
    # whose heap holds the app and whose asm_thumb kernels keep up with the stride
    code = main(["profile", str(project.dir), "--board", "pico", "--board", "esp32_generic", "--strict"])
    out = capsys.readouterr()
    assert code == 1 and "esp32_generic" in out.err and "does not fit" in out.err, out.err
    assert "midge: esp32_generic: too big: the app needs" in out.out and "midge: pico" not in out.out, out.out
    assert "Edge Impulse" in out.out
    # which arena is which: the tensor arena vs everything loading the interpreter takes
    assert re.search(r"tensor arena [\d,]+ B\s+\(activations\)", out.out), out.out
    # (the Pico has no PSRAM: the deployed app keeps the weights in flash)
    assert re.search(r"held once loaded: [\d,]+ B: the largest op's weights [\d,]+ B \(the rest of the [\d,]+ B "
                     r"model file stays in flash\), the tensor arena [\d,]+ B \(activations\), the frames and "
                     r"feature rows [\d,]+ B", " ".join(out.out.split())), out.out
    # the heap is the deployed app's, by bisection on a 32-bit port with the board's code:
    # Thumb under qemu-arm for the Pico's Cortex-M0+, i386 for the ESP32's Xtensa
    text = " ".join(out.out.split())
    assert "found by bisection on the ARM Thumb MicroPython under qemu-arm, armv6m code" in text, out.out
    assert "found by bisection on the 32-bit MicroPython (i386), x86 code" in text, out.out
    # latency: the Pico's MACs cost the armv6m asm kernels' cycles on a Cortex-M0+, the
    # ESP32's x64 viper instructions times its CPI
    assert re.search(r"latency estimate, pico: [\d,]+ MACs x [\d.]+ cycles/MAC \(this model in the ARM Thumb "
                     r"test bed, armv6m package, costed for a Cortex-M0\+\)", text), out.out
    assert "latency estimate, esp32_generic: " in text and "(viper, x64 instr/MAC x CPI)" in text, out.out
    doc = json.loads((project.dir / "build/profile.json").read_text())
    pico = next(b for b in doc["boards"] if b["board"] == "pico")
    assert pico["ram_bytes"] == doc["heap"]["run_bytes"] >= doc["heap"]["load_bytes"] > 100_000
    esp32 = next(b for b in doc["boards"] if b["board"] == "esp32_generic")
    assert pico["measured_with"] != esp32["measured_with"] and len(doc["heaps"]) == 2
    assert esp32["ram_bytes"] > 100_000 and esp32["ram_bytes"] > esp32["heap_bytes"] * 0.85
    assert pico["headroom"] == pytest.approx(1 - pico["ram_bytes"] / pico["heap_bytes"])
    assert pico["verdict"] == "fits" and pico["headroom"] >= 0.15 and pico["rtf"] < 1
    assert esp32["verdict"] == "too big" and esp32["headroom"] < 0.15
    assert pico["cycles_per_mac"] < 0.5 * esp32["cycles_per_mac"]
