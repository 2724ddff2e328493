"""The complete device pipeline on the host: ``midge.app_pipeline.Pipeline``
(the board's feature code and int8 interpreter, the very object the app
runs) in one MicroPython unix-port process with viper on.

Contract: ``run_device(model_path, meta_path, windows, progress=None) ->
(features, outputs)``: ``meta_path`` is the build's meta.json; ``windows`` is a
list of raw windows as ``data.read_window`` returns them (int16 samples, axes
interleaved; or uint8 grayscale pixels for a camera model). Returns int8
arrays (N, input bytes) and (N, output bytes): the model input after the
features and the model output, per window. ``progress(done)`` is called as
windows finish.
"""

import json
import tempfile
from pathlib import Path

import numpy as np

from midge_host.unixport import run_batch


def run_device(model_path, meta_path, windows, progress=None):
    """(features, outputs) from the device pipeline (see the module docstring)."""
    from midge_host.batch import specs
    inputs, outputs = specs(model_path)
    n_in, n_out = inputs[0].size, outputs[0].size
    meta = json.loads(Path(meta_path).read_text())
    dtype = "u1" if meta["sensor"] == "camera" else "<i2"
    records = b"".join(np.asarray(w).astype(dtype).tobytes() for w in windows)
    with tempfile.TemporaryDirectory(prefix="midge-pipeline-") as tmp:
        spec = Path(tmp) / "spec.json"
        spec.write_text(json.dumps({"meta": str(Path(meta_path).resolve()), "model": str(Path(model_path).resolve())}))
        raw = run_batch("pipeline", spec, records, len(windows), n_in + n_out, progress=progress)
    rows = np.frombuffer(raw, np.int8).reshape(len(windows), n_in + n_out)
    return rows[:, :n_in].copy(), rows[:, n_in:].copy()
