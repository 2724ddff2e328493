"""One recording that plays a project's held-out test files, for a board to replay
(`midge deploy --replay`; the ready models' ``sample.*``):
``recording(project, path, repeat=3) -> (path, frames)``.

It holds the first test file of every label in turn, each ``repeat`` times (long
enough for the recognizer's averaging to settle), in the format the project's sensor
replays: a WAV (microphone), a CSV (IMU) or an image recording ``.pgm`` (camera; one
frame per image). A camera classifier plays, per label, the test image its int8
model (build/model.tflite) scores highest for that label. ``path``'s suffix is set to
the format's; ``frames`` counts samples (images for a camera).
"""

import json

import numpy as np

from midge_host import recordings
from midge_host.dataset import images


def _camera_picks(project, split):
    from PIL import Image

    from midge_host.tflm import run_tflm
    pixels = np.stack([np.asarray(Image.open(project.dir / f)) for f in split]).astype(np.int16) - 128
    (scores,) = run_tflm(project.dir / "build/model.tflite", [pixels.astype(np.int8)[..., None]])
    best = {}
    for f, row in zip(split, scores.reshape(len(split), -1)):
        k = project.labels.index(f.split("/")[1])
        if row[k] > best.get(k, (-129, None))[0]:
            best[k] = (row[k], f)
    return [best[k][1] for k in sorted(best)]


def recording(project, path, repeat=3):
    """Write the recording of ``project``'s test files to ``path`` (suffix set); return (path, frames)."""
    split = json.loads(project.splits_path.read_text())["sides"]["test"]["files"]
    by_label = [[f for f in split if f.split("/")[1] == label] for label in project.labels]
    firsts = [files[0] for files in by_label if files]
    if project.sensor == "camera" and project.task == "classification":
        firsts = _camera_picks(project, split)
    if project.sensor == "camera":
        path = path.with_suffix(".pgm")
        path.write_bytes(images.recording([project.dir / f for f in firsts for _ in range(repeat)]))
        return path, repeat * len(firsts)
    samples = np.concatenate([recordings.read(project.dir / f).samples for f in firsts for _ in range(repeat)])
    if project.sensor == "imu":
        path = path.with_suffix(".csv")
        path.write_text(recordings.encode_csv(samples, project.sample_rate, list(project.input["columns"])))
    else:
        path = path.with_suffix(".wav")
        path.write_bytes(recordings.encode_wav(samples[:, 0], project.sample_rate))
    return path, len(samples)
