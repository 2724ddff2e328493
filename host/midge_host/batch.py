"""Run a batch of samples through a .tflite model with one of three engines.

- ``"micropython"``: midge's device interpreter under the unix port
  (``unixport.run_batch``, one process for the whole batch).
- ``"cpython"``: the same device code, in this process.
- ``"tflm"``: the TFLite-Micro runtime (``midge_host.tflm``), the parity oracle.

``specs(path)`` lists the model's input/output tensors; ``conform(arrays, specs)`` checks a
user's arrays (N samples of each input) and returns them as (N,) + the full tensor shape;
``run(engine, path, samples, progress)`` returns one (N,) + full output shape array per
output. Bad input raises MidgeError saying what the model expects.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from midge.nn.model import ModelError
from midge.nn.model import TYPE_NAMES, parse
from midge.nn import qmath

from midge_host.errors import MidgeError
from midge_host.tflm import load_model, run_tflm
from midge_host.unixport import run_batch

ENGINES = ("micropython", "cpython", "tflm")
DTYPES = {"FLOAT32": np.float32, "INT32": np.int32, "INT16": np.int16, "INT8": np.int8}


@dataclass
class Spec:
    """One input or output tensor."""

    name: str
    shape: tuple
    dtype: type
    scale: float
    zero_point: int

    @property
    def size(self):
        return int(np.prod(self.shape, dtype=np.int64))


def specs(path):
    """(inputs, outputs) of the model at ``path``: lists of Spec."""
    data = load_model(path)
    try:
        model = parse(data, len(data), any_op=True)
    except ModelError as exc:
        raise MidgeError(f"{path}: {exc}") from None

    def spec(index):
        t = model.tensor(index)
        scale = qmath.to_float(qmath.from_f32_bits(t.scale_bits)) if t.scales else 0.0
        return Spec(t.name, tuple(t.shape), DTYPES[TYPE_NAMES[t.type]], scale, t.zero_point)
    return [spec(i) for i in model.inputs], [spec(i) for i in model.outputs]


def conform(arrays, inputs, quantize=False):
    """Each array as (N,) + its input's shape in the input's type, or MidgeError.

    A sample may have the input's shape, that shape without a leading batch dimension
    of 1, or be flat. Integer inputs take arrays of exactly their type; with
    ``quantize``, float arrays are quantized with the input's scale and zero point."""
    if len(arrays) != len(inputs):
        raise MidgeError(f"the model has {len(inputs)} inputs, {len(arrays)} arrays given",
                         hint="give --input once per model input, in order, or one .npz")
    out = []
    for k, (x, spec) in enumerate(zip(arrays, inputs)):
        out.append(_conform_one(k, np.asarray(x), spec, quantize))
    counts = {len(x) for x in out}
    if len(counts) > 1:
        raise MidgeError(f"inputs hold different numbers of samples: {sorted(counts)}")
    return out


def _conform_one(k, x, spec, quantize):
    shape = spec.shape
    accepted = [shape, (spec.size,)] + ([shape[1:]] if shape and shape[0] == 1 else [])
    if x.ndim == 0 or tuple(x.shape[1:]) not in accepted:
        forms = " or ".join(str((0,) + s).replace("(0,", "(N,") for s in dict.fromkeys(accepted))
        raise MidgeError(f"input {k} ('{spec.name}'): samples of shape {tuple(x.shape[1:])} given "
                         f"(array {tuple(x.shape)}); the model takes {shape}",
                         hint=f"give an array of shape {forms}")
    if np.issubdtype(spec.dtype, np.floating):
        if not (np.issubdtype(x.dtype, np.floating) or np.issubdtype(x.dtype, np.integer)):
            raise MidgeError(f"input {k}: the model takes float32 values, {x.dtype} given")
        x = x.astype(spec.dtype)
    elif x.dtype != spec.dtype:
        x = _integer(k, x, spec, quantize)
    return np.ascontiguousarray(x.reshape((len(x),) + shape))


def _integer(k, x, spec, quantize):
    want = np.dtype(spec.dtype).name
    if np.issubdtype(x.dtype, np.floating):
        if not quantize:
            raise MidgeError(
                f"input {k} ('{spec.name}') holds {x.dtype} values; the model takes {want}",
                hint=f"quantize them: q = round(x / {spec.scale:.6g}) "
                     f"{'-' if spec.zero_point < 0 else '+'} {abs(spec.zero_point)}, "
                     f"clipped to {want} (or pass --quantize to do that)")
        if not spec.scale:
            raise MidgeError(f"input {k} is not quantized, so --quantize cannot convert floats to {want}")
        info = np.iinfo(spec.dtype)
        q = np.trunc(x / spec.scale + np.copysign(0.5, x)) + spec.zero_point
        return np.clip(q, info.min, info.max).astype(spec.dtype)
    raise MidgeError(f"input {k} ('{spec.name}') holds {x.dtype} values; the model takes {want}",
                     hint=f"convert the array with .astype(np.{want}) if its values fit")


def run(engine, path, samples, outputs, progress=None):
    """Outputs of ``engine`` for ``samples`` (from ``conform``): one (N,) + shape array per
    output spec. ``progress(done)`` is called as samples finish (micropython, cpython)."""
    if engine == "tflm":
        results = run_tflm(str(path), samples, reset_between=True)
        return [r.reshape((len(r),) + spec.shape) for r, spec in zip(results, outputs)]
    if engine == "cpython":
        return _run_cpython(path, samples, outputs, progress)
    if engine == "micropython":
        return _run_unix_port(path, samples, outputs, progress)
    raise MidgeError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")


def _run_cpython(path, samples, outputs, progress):
    import midge.nn
    try:
        m = midge.nn.load(str(path))
    except ModelError as exc:
        raise MidgeError(f"midge cannot run {path}: {exc}") from None
    xs = [m.input(i) for i in range(m.input_count)]
    ys = [m.output(i) for i in range(m.output_count)]
    n = len(samples[0]) if samples else 0
    raw = []
    for i in range(n):
        for x, batch in zip(xs, samples):
            x[:] = memoryview(batch[i].tobytes()).cast("b")
        m.invoke()
        raw.append(b"".join(bytes(y.cast("B")) for y in ys))
        if progress:
            progress(i + 1)
    return _split(b"".join(raw), outputs, n)


def _run_unix_port(path, samples, outputs, progress):
    n = len(samples[0]) if samples else 0
    records = b"".join(b"".join(batch[i].tobytes() for batch in samples) for i in range(n))
    size = sum(spec.size * np.dtype(spec.dtype).itemsize for spec in outputs)
    return _split(run_batch("model", Path(path).resolve(), records, n, size, progress=progress), outputs, n)


def _split(raw, outputs, n):
    """Per-record output bytes (every output in order) as one (N,) + shape array per output."""
    sizes = [spec.size * np.dtype(spec.dtype).itemsize for spec in outputs]
    record = sum(sizes)
    if len(raw) != record * n:
        raise MidgeError(f"the engine returned {len(raw)} bytes for {n} samples, expected {record * n}")
    rows = np.frombuffer(raw, np.uint8).reshape(n, record)
    out, pos = [], 0
    for spec, size in zip(outputs, sizes):
        part = np.ascontiguousarray(rows[:, pos:pos + size]).view(spec.dtype)
        out.append(part.reshape((n,) + spec.shape))
        pos += size
    return out
