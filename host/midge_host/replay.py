"""What a board would report on a recording, computed on the host:
``detections(build, path) -> Replay``.

The recording (``midge_host.recordings``) is cut into the model's windows
(``window_samples`` frames every ``stride_samples``, as ``midge.window.Windows``
cuts a sensor stream that drops nothing), each window goes through the app's
``Pipeline`` (the device features and interpreter, under the unix port:
``train.pipeline.run_device``; anomaly scores ``train.scores.mse_int``, the
same integer score), and the results through the app's own
decision code: ``midge.decide.Decider`` on ``midge.streamclock`` time, both
under CPython. ``Replay.detections`` holds ``(t_s, label, score)`` as the
board's detection log records them (``t_s``: whole seconds of stream time;
``score`` clamped to 0..255) and ``Replay.windows`` the window count.
"""

from array import array
from dataclasses import dataclass

from midge import labels as device_labels
from midge.decide import Decider
from midge.streamclock import StreamClock
from midge_host import recordings
from midge_host.errors import MidgeError
from midge_host.train.pipeline import run_device
from midge_host.train.scores import mse_int


@dataclass
class Replay:
    windows: int
    detections: list  # (t_s, label, score)


def _cut(samples, window, stride):
    count = 0 if len(samples) < window else (len(samples) - window) // stride + 1
    return [samples[k * stride:k * stride + window].reshape(-1) for k in range(count)]


def detections(build, path, progress=None):
    """The detections the app deployed from ``build`` reports on the recording ``path``."""
    meta = build.meta
    if meta["sensor"] == "camera":
        raise MidgeError("replay runs audio and IMU models; this one takes camera frames")
    rec = recordings.read(path)
    if rec.samples.shape[1] != meta["channels"] or (rec.rate is not None and abs(rec.rate - meta["sample_rate"])
                                                     > 0.01 * meta["sample_rate"]):
        raise MidgeError(f"{path}: {rec.samples.shape[1]} channels at {rec.rate or '?'} Hz; the model takes "
                         f"{meta['channels']} at {meta['sample_rate']} Hz",
                         hint="replay a recording of the project's format (data/ holds some)")
    windows = _cut(rec.samples, meta["window_samples"], meta["stride_samples"])
    if not windows:
        return Replay(0, [])
    features, outputs = run_device(build.path("model.tflite"), build.path("meta.json"), windows, progress)
    decide = Decider(meta)
    clock = StreamClock(meta["sample_rate"])
    names = device_labels.decision_labels(meta)
    if meta["task"] == "anomaly":
        values = [int(v) for v in mse_int(features, outputs)]
    else:
        values = [array("b", row.tobytes()) for row in outputs]  # what the board's decision code reads
    found = []
    for value in values:
        clock.advance(meta["stride_samples"])
        if decide.update(value, clock.t_ms):
            found.append((clock.t_ms // 1000, names[decide.index], min(255, max(0, decide.score))))
    return Replay(len(windows), found)
