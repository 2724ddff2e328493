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

A camera model's recording is an image, a folder of images or an image
recording (``midge.pgm``), made into frames exactly as ``midge deploy
--replay`` makes what the board replays (``deploy.replay_frames``); one frame
is one window, on stream time of ``fps`` frames a second (deploy's replay
default: 1).
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


def _decide(meta, values, clock, step):
    """The detections of the app's decision code on ``values``, one per window."""
    decide = Decider(meta)
    names = device_labels.decision_labels(meta)
    found = []
    for value in values:
        clock.advance(step)
        for k in range(decide.update(value, clock.t_ms)):
            decide.item(k)
            found.append((clock.t_ms // 1000, names[decide.index], min(255, max(0, decide.score))))
    return found


def _values(meta, features, outputs):
    """What the board's decision code reads per window."""
    if meta["task"] == "anomaly":
        return [int(v) for v in mse_int(features, outputs)]
    return [array("b", row.tobytes()) for row in outputs]


def detections(build, path, progress=None, fps=1):
    """The detections the app deployed from ``build`` reports on the recording ``path``."""
    meta = build.meta
    if meta["sensor"] == "camera":
        from midge_host.deploy import replay_frames
        frames = replay_frames(build, path)
        features, outputs = run_device(build.path("model.tflite"), build.path("meta.json"), frames, progress)
        return Replay(len(frames), _decide(meta, _values(meta, features, outputs), StreamClock(fps), 1))
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
    values = _values(meta, features, outputs)
    return Replay(len(windows), _decide(meta, values, StreamClock(meta["sample_rate"]), meta["stride_samples"]))
