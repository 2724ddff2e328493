"""Helpers for the midge.nn tests: TFLM reference runs, device runs, BMP input.

``run_midge(kind, model, inputs, tmp_path)`` runs records through midge under
``kind`` ("cpython" in-process, "unix-viper" / "unix-plain" via the unix
port, "unix32" on the 32-bit port with viper, "thumb" on the ARM Thumb test bed, one
process for all records) and returns one array per output, shaped
like ``run_tflm``'s (the tflite-micro runtime, the parity oracle).
``inputs`` is one array per model input, N records along axis 0.
"""

from pathlib import Path

import numpy as np

from midge_host.tflm import TflmModel
from midge_host.unixport import run_micropython, thumb_executable

HERE = Path(__file__).resolve().parent
RUNNER = HERE / "run_model.py"
KINDS = ["cpython", "unix-viper", "unix-plain"]


def run_tflm(model, inputs):
    """TFLM outputs: one array per output, (N,) + output shape (full shape, batch kept)."""
    tflm = TflmModel(str(model))
    outs = tflm.run([np.asarray(x) for x in inputs])
    return [o.reshape((len(inputs[0]),) + tuple(int(d) for d in detail["shape"]))
            for o, detail in zip(outs, tflm.outputs)]


def _output_specs(model):
    tflm = TflmModel(str(model))
    return [(detail["dtype"], tuple(int(d) for d in detail["shape"])) for detail in tflm.outputs]


def _records(model, inputs):
    """Input bytes per record: every input in order, each at its full tensor shape."""
    tflm = TflmModel(str(model))
    n = len(inputs[0])
    parts = [np.asarray(x, detail["dtype"]).reshape((n, -1)) for x, detail in zip(inputs, tflm.inputs)]
    return [b"".join(p[i].tobytes() for p in parts) for i in range(n)]


def _split(raw, specs, n):
    outs = [[] for _ in specs]
    pos = 0
    for _ in range(n):
        for k, (dtype, shape) in enumerate(specs):
            size = int(np.prod(shape)) * np.dtype(dtype).itemsize
            outs[k].append(np.frombuffer(raw[pos:pos + size], dtype).reshape(shape))
            pos += size
    assert pos == len(raw), "runner wrote %d bytes, expected %d" % (len(raw), pos)
    return [np.stack(o) for o in outs]


def run_midge(kind, model, inputs, tmp_path, weights="ram", chunk_bytes=4096):
    """midge.nn outputs for the records in ``inputs``; returns (outputs, runner report).
    ``weights``, ``chunk_bytes``: as ``midge.nn.load`` takes them."""
    records = _records(model, inputs)
    specs = _output_specs(model)
    if kind == "cpython":
        import midge.nn
        m = midge.nn.load(str(model), weights=weights, chunk_bytes=chunk_bytes)
        xs = [m.input(i) for i in range(m.input_count)]
        raw = bytearray()
        for rec in records:
            k = 0
            for x in xs:
                for i in range(len(x)):
                    x[i] = rec[k] - 256 if rec[k] > 127 else rec[k]
                    k += 1
            m.invoke()
            for i in range(m.output_count):
                raw += bytes(bytearray(v & 0xFF for v in m.output(i)))
        return _split(bytes(raw), specs, len(records)), "arena %d" % m.arena_size
    src, dst = tmp_path / "inputs.bin", tmp_path / "outputs.bin"
    src.write_bytes(b"".join(records))
    port = {"thumb": {"executable": thumb_executable(), "bits": 32}, "unix32": {"bits": 32}}.get(kind, {})
    result = run_micropython(path=RUNNER, args=[str(model), str(src), str(dst), weights, str(chunk_bytes)],
                             viper=(kind != "unix-plain"), timeout=600, **port)
    report = result.check()
    return _split(dst.read_bytes(), specs, len(records)), report


def assert_same(kind, model, inputs, tmp_path, **load):
    """Run both and require byte-identical outputs; returns (midge outputs, report).
    ``load``: ``run_midge``'s weights and chunk_bytes."""
    want = run_tflm(model, inputs)
    got, report = run_midge(kind, model, inputs, tmp_path, **load)
    for k, (g, w) in enumerate(zip(got, want)):
        assert g.dtype == w.dtype, (kind, k, g.dtype, w.dtype)
        bad = [i for i in range(len(g)) if g[i].tobytes() != w[i].tobytes()]
        assert not bad, (f"{Path(model).name} {kind}: output {k} differs in {len(bad)} of {len(g)} records; "
                         f"first {bad[0]}: midge {g[bad[0]].ravel()[:8]} tflm {w[bad[0]].ravel()[:8]}")
    return got, report


def read_bmp_int8(path):
    """An 8-bit grayscale BMP as TFLM's examples feed it: top-down rows, bytes reinterpreted as int8."""
    data = Path(path).read_bytes()
    offset = int.from_bytes(data[10:14], "little")
    width = int.from_bytes(data[18:22], "little", signed=True)
    height = int.from_bytes(data[22:26], "little", signed=True)
    bpp = int.from_bytes(data[28:30], "little")
    assert bpp == 8, f"{path}: {bpp}-bit BMP, expected 8-bit"
    rows = np.frombuffer(data, np.uint8, count=width * abs(height), offset=offset).reshape(abs(height), width)
    if height > 0:
        rows = rows[::-1]
    return rows.view(np.int8).reshape(1, abs(height), width, 1)
