"""The complete device pipeline on the host: the board's feature code and the
board's int8 interpreter, in ONE MicroPython unix-port process with viper on.

Contract: ``run_device(model_path, config, windows, progress=None) ->
(features, outputs)``: ``windows`` is a list of raw windows as
``data.read_window`` returns them (int16 samples, axes interleaved; or uint8
grayscale pixels for ``config["kind"] == "image"``). For each window the
process runs ``midge.features.build(config).process`` (or, for images, pixel -
128) straight into the model's int8 input, writes the input bytes (before
``invoke``: the arena may reuse the input's memory), invokes the model and
writes the output bytes. Returns int8 arrays (N, input bytes) and (N, output
bytes). ``progress(done)`` is called as windows finish.
"""

import json
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from midge_host.errors import MidgeError
from midge_host.unixport import micropython_executable, unixport_env

RUNNER = """
import sys, json
from array import array
import midge.nn
model = midge.nn.load(sys.argv[1])
x = model.input(0)
y = model.output(0)
with open(sys.argv[2]) as f:
    config = json.load(f)
if config["kind"] == "image":
    raw = bytearray(len(x))
    def features(src):
        src.readinto(raw)
        for i in range(len(raw)):
            x[i] = raw[i] - 128
else:
    from midge.features import build
    fx = build(config)
    out = fx.new_output()
    window = array("h", bytearray(2 * fx.window_samples))
    if len(out) != len(x):
        raise ValueError("features give %d values, the model takes %d" % (len(out), len(x)))
    def features(src):
        src.readinto(window)
        fx.process(window, out)
        x[:] = out
with open(sys.argv[3], "rb") as src, open(sys.argv[4], "wb") as dst:
    for n in range(int(sys.argv[5])):
        features(src)
        dst.write(x)
        model.invoke()
        dst.write(y)
        print(n + 1)
"""


def run_device(model_path, config, windows, progress=None):
    """(features, outputs) from the device pipeline (see the module docstring)."""
    from midge_host.batch import specs
    inputs, outputs = specs(model_path)
    n_in, n_out = inputs[0].size, outputs[0].size
    n = len(windows)
    with tempfile.TemporaryDirectory(prefix="midge-pipeline-") as tmp:
        tmp = Path(tmp)
        (tmp / "config.json").write_text(json.dumps(config))
        dtype = "u1" if config["kind"] == "image" else "<i2"
        (tmp / "windows.bin").write_bytes(b"".join(np.asarray(w).astype(dtype).tobytes() for w in windows))
        cmd = [micropython_executable(), "-c", RUNNER, str(model_path), str(tmp / "config.json"),
               str(tmp / "windows.bin"), str(tmp / "results.bin"), str(n)]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                env=unixport_env(viper=True))
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if progress and line.strip().isdigit():
                progress(int(line))
        if proc.wait() != 0:
            raise MidgeError(f"the device pipeline failed under the unix port: "
                             f"{lines[-1].strip() if lines else proc.returncode}")
        raw = np.frombuffer((tmp / "results.bin").read_bytes(), np.int8)
    if raw.size != n * (n_in + n_out):
        raise MidgeError(f"the device pipeline wrote {raw.size} bytes for {n} windows, "
                         f"expected {n * (n_in + n_out)}")
    rows = raw.reshape(n, n_in + n_out)
    return rows[:, :n_in].copy(), rows[:, n_in:].copy()
