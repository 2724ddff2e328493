"""A built project's artifacts, as the trainer writes them to ``DIR/build/``:
``model.tflite``, ``labels.txt``, ``meta.json`` (format 1), ``vectors.bin``,
``model_card.md``.

- ``load_build(project_dir) -> Build``: checks the files exist and meta.json
  is format 1 with the keys the board needs, or raises MidgeError saying what
  to run.
- ``read_vectors(path) -> Vectors`` / ``write_vectors(path, raw, inputs,
  outputs)``: the test-vector file (format in ``midge.verify``; little-endian
  ``b"MGTV"``, u16 version 1, u16 count, u32 n_samples, u32 n_input, u32
  n_output, then per record int16 raw window, int8 expected input, int8
  expected output).
"""

import json
import os
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from midge_host.errors import MidgeError

FILES = ("model.tflite", "labels.txt", "meta.json", "vectors.bin")
META_KEYS = ("format", "name", "task", "labels", "sensor", "sample_rate", "channels",
             "window_samples", "stride_samples", "features", "input", "output")
HEADER = struct.Struct("<4sHHIII")
MAGIC = b"MGTV"


@dataclass
class Build:
    project: Path
    folder: Path
    meta: dict

    def path(self, name):
        return self.folder / name


@dataclass
class Vectors:
    raw: np.ndarray  # (count, n_samples) int16
    inputs: np.ndarray  # (count, n_input) int8
    outputs: np.ndarray  # (count, n_output) int8


def load_build(project_dir):
    """The build in ``project_dir/build`` (or ``project_dir`` itself if it holds the files)."""
    project = Path(project_dir)
    if not project.is_dir():
        raise MidgeError(f"project folder {project} not found")
    folder = project / "build" if (project / "build").is_dir() else project
    missing = [name for name in FILES if not (folder / name).is_file()]
    if missing:
        raise MidgeError(f"{folder} lacks {', '.join(missing)}",
                         hint=f"build the model first: `midge train {project}` then `midge quantize {project}`")
    try:
        meta = json.loads((folder / "meta.json").read_text())
    except ValueError as err:
        raise MidgeError(f"{folder / 'meta.json'} is not JSON: {err}") from None
    if meta.get("format") != 1:
        raise MidgeError(f"{folder / 'meta.json'}: format {meta.get('format')!r}; this midge deploys format 1")
    absent = [k for k in META_KEYS if k not in meta]
    if absent:
        raise MidgeError(f"{folder / 'meta.json'} lacks {', '.join(absent)}", hint="rebuild with `midge train`")
    return Build(project, folder, meta)


def read_vectors(path):
    data = Path(path).read_bytes()
    if len(data) < HEADER.size:
        raise MidgeError(f"{path} is not a vectors file (too short)")
    magic, version, count, n_samples, n_in, n_out = HEADER.unpack_from(data)
    if magic != MAGIC or version != 1:
        raise MidgeError(f"{path} is not a version 1 vectors file")
    record = 2 * n_samples + n_in + n_out
    if len(data) != HEADER.size + count * record:
        raise MidgeError(f"{path}: {len(data)} bytes, expected {HEADER.size + count * record}")
    body = np.frombuffer(data, dtype=np.uint8, offset=HEADER.size).reshape(count, record)
    raw = body[:, :2 * n_samples].copy().view("<i2")
    inputs = body[:, 2 * n_samples:2 * n_samples + n_in].copy().view(np.int8)
    outputs = body[:, 2 * n_samples + n_in:].copy().view(np.int8)
    return Vectors(raw, inputs, outputs)


def write_vectors(path, raw, inputs, outputs):
    """Write the records atomically (temp file, then rename)."""
    raw = np.asarray(raw, dtype="<i2")
    inputs = np.asarray(inputs, dtype=np.int8)
    outputs = np.asarray(outputs, dtype=np.int8)
    count = len(raw)
    parts = [HEADER.pack(MAGIC, 1, count, raw.shape[1], inputs.shape[1], outputs.shape[1])]
    for k in range(count):
        parts += [raw[k].tobytes(), inputs[k].tobytes(), outputs[k].tobytes()]
    tmp = Path(str(path) + ".tmp")
    tmp.write_bytes(b"".join(parts))
    os.replace(tmp, path)
