"""Test projects: a built ``DIR/build/`` in the trainer's format, made here so
the board-facing code can be tested without training.

- ``kws_project(dir, reference_dir)``: TFLM's micro_speech model (silence,
  unknown, yes, no) with ``{"kind": "micro_speech"}`` features, 1000 ms
  windows every 1000 ms, and a replay WAV of silence/yes/no/noise clips.
- ``fast_project(dir, seconds)``: a small DS-CNN (``modelgen`` spec
  ``keras_kws``, random weights, 16 x 10 int8 input) on MFE features of 8 kHz
  audio (272 ms windows every 136 ms), fast enough to replay an hour, and a
  synthetic WAV of ``seconds``.
- ``camera_project(dir, frames)``: the same DS-CNN read as a camera model: 10 x 16
  grayscale frames (``{"kind": "image"}`` features: pixel - 128), four random
  frames as vectors, and an image recording (``midge.pgm``) of ``frames``
  random frames of 40 x 64 pixels (the app crops and resizes them as a camera's).

Vectors: the model input computed by the device pipeline under the unix port
(``run_device``: midge.app_pipeline, as the board runs it) and the output by
TFLM (the oracle midge's interpreter is bit-exact with).
"""

import json
import wave
from pathlib import Path

import numpy as np

from midge_host.train.artifacts import write_vectors
from midge_host.tflm import read_model, run_tflm
from midge_host.train.pipeline import run_device

KWS_LABELS = ["silence", "unknown", "yes", "no"]
FAST_LABELS = ["background", "buzz", "click", "hum"]
FAST_FEATURES = {"kind": "mfe", "sample_rate": 8000, "window_ms": 272, "frame_ms": 32,
                 "stride_ms": 16, "fft_length": 256, "num_filters": 10}


def write_wav(path, samples, rate):
    samples = np.asarray(samples, dtype="<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())


def read_wav(path):
    with wave.open(str(path), "rb") as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2"), w.getframerate()


def _quant(model, which):
    graph = read_model(model).subgraphs[0]
    index = (graph.inputs if which == "input" else graph.outputs)[0]
    tensor = graph.tensors[index]
    q = tensor.quantization
    return {"shape": [int(d) for d in tensor.shape],
            "scale": float(q.scale[0]) if q is not None and q.scale is not None else 1.0,
            "zero_point": int(q.zeroPoint[0]) if q is not None and q.zeroPoint is not None else 0}


def _write(build, name, model, labels, features, rate, window, stride, windows, smoothing, synthetic,
           sensor="microphone"):
    build.mkdir(parents=True, exist_ok=True)
    (build / "model.tflite").write_bytes(model)
    (build / "labels.txt").write_text("\n".join(labels) + "\n")
    meta = {"format": 1, "name": name, "task": "classification", "labels": labels,
            "quiet_labels": labels[:1], "sensor": sensor,
            "sample_rate": rate, "channels": 1, "window_samples": window, "stride_samples": stride,
            "features": features, "input": _quant(model, "input"), "output": _quant(model, "output"),
            "smoothing": smoothing, "synthetic": synthetic, "vectors": "vectors.bin",
            "created": "2026-01-01T00:00:00Z", "midge_version": "test"}
    (build / "meta.json").write_text(json.dumps(meta, indent=1))
    inputs, _ = run_device(build / "model.tflite", build / "meta.json", list(windows))
    shape = meta["input"]["shape"]
    (outputs,) = run_tflm(build / "model.tflite", [inputs.reshape([len(windows)] + shape[1:])
                                                   if shape[0] == 1 else inputs])
    write_vectors(build / "vectors.bin", windows, inputs, outputs.reshape(len(windows), -1))
    (build / "model_card.md").write_text(f"# {name}\n\nTest fixture built by tests/app/project.py.\n")
    return meta


def kws_project(folder, reference_dir):
    """The micro_speech project in ``folder``; returns (meta, replay WAV path)."""
    ms = Path(reference_dir) / "tflm" / "micro_speech"
    clips = [read_wav(ms / f"{name}_1000ms.wav")[0] for name in ("silence", "yes", "no", "noise")]
    clips = [np.pad(c, (0, 16000 - len(c)))[:16000] for c in clips]
    meta = _write(Path(folder) / "build", "kws", (ms / "micro_speech_quantized.tflite").read_bytes(),
                  KWS_LABELS, {"kind": "micro_speech"}, 16000, 16000, 16000, clips[1:3],
                  {"average_window_ms": 500, "detection_threshold": 72, "suppression_ms": 0,
                   "minimum_count": 1}, False)
    wav = Path(folder) / "kws.wav"
    write_wav(wav, np.concatenate(clips), 16000)
    return meta, wav


def synthetic_audio(seconds, rate=8000, seed=1):
    """Noise with bursts of tones: something for every window to chew on."""
    rng = np.random.default_rng(seed)
    n = int(seconds * rate)
    t = np.arange(n) / rate
    x = rng.normal(0, 600, n)
    burst = (np.sin(2 * np.pi * 0.7 * t) > 0.3).astype(float)
    x += burst * 6000 * np.sin(2 * np.pi * (400 + 300 * np.sin(2 * np.pi * 0.05 * t)) * t)
    return np.clip(x, -32768, 32767).astype("<i2")


def fast_project(folder, seconds=60):
    """The small MFE + DS-CNN project in ``folder``; returns (meta, replay WAV path)."""
    from midge_host.modelgen import build_model

    rate, window, stride = 8000, 2176, 1088
    audio = synthetic_audio(seconds, rate)
    starts = [0, 3 * stride, 11 * stride, 20 * stride]
    windows = [audio[s:s + window] for s in starts]
    meta = _write(Path(folder) / "build", "fast", build_model("keras_kws", seed=1), FAST_LABELS,
                  dict(FAST_FEATURES), rate, window, stride, windows,
                  {"average_window_ms": 400, "detection_threshold": -68, "suppression_ms": 1000,
                   "minimum_count": 2}, True)
    wav = Path(folder) / "fast.wav"
    write_wav(wav, audio, rate)
    return meta, wav


def camera_project(folder, frames=12):
    """The camera project in ``folder``; returns (meta, image recording path, the recording's frames)."""
    from midge import pgm
    from midge_host.modelgen import build_model

    rng = np.random.default_rng(4)
    vectors = [rng.integers(0, 256, 160, dtype=np.uint8) for _ in range(4)]
    meta = _write(Path(folder) / "build", "camera", build_model("keras_kws", seed=1), FAST_LABELS,
                  {"kind": "image", "width": 10, "height": 16}, 0, 0, 0, vectors,
                  {"average_window_ms": 1000, "detection_threshold": -68, "suppression_ms": 0,
                   "minimum_count": 1}, True, sensor="camera")
    images = rng.integers(0, 256, (frames, 64, 40), dtype=np.uint8)
    path = Path(folder) / "frames.pgm"
    path.write_bytes(b"".join(pgm.header(40, 64) + img.tobytes() for img in images))
    return meta, path, images
