"""What a .tflite model holds and what it costs, read with the device package's own reader.

``describe(path, tflm_arena=True)`` returns a plain dict (JSON-ready):

- ``inputs`` / ``outputs``: name, shape, type, scale and zero point (None when not quantized);
- ``ops``: index, name, version, MACs, and whether midge's engine runs it (``supported``,
  with ``reason`` when not: an op code or version midge lacks, or the first op whose
  load-time checks fail);
- ``macs`` (CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED multiply-accumulates),
  ``weight_bytes`` (all constant tensors), ``bytes`` (the file);
- ``arena``: ``midge`` (the planner's arena; None when an op is unsupported) and ``tflm`` (``tflm_arena_bytes``, which
  also counts TFLM's tensor structs; None when TFLM cannot run the model or when
  ``tflm_arena`` is false).

Models midge cannot parse at all (corrupt, more than one subgraph, unsupported tensor
types) raise MidgeError with the reader's reason.
"""

import re
from pathlib import Path

import midge.nn
from midge.nn import planner, qmath
from midge.nn.model import ModelError
from midge.nn.model import TYPE_NAMES, parse

from midge_host.errors import MidgeError
from midge_host.tflm import load_model, tflm_arena_bytes


def describe(path, tflm_arena=True):
    """The model at ``path`` as a dict (see the module docstring)."""
    data = load_model(path)
    try:
        model = parse(data, len(data), any_op=True)
    except ModelError as exc:
        raise MidgeError(f"{path}: {exc}") from None
    ops = [_op(model, k, op) for k, op in enumerate(model.operators)]
    arena = None
    if all(op["supported"] for op in ops):  # the ops come first: a stateful op explains its tensors
        try:
            _, arena = planner.plan_model(model)
        except ModelError as exc:
            raise MidgeError(f"{path}: {exc}") from None
    failure = _load_failure(data) if all(op["supported"] for op in ops) else None
    if failure:
        index, reason = failure
        ops[index].update(supported=False, reason=reason)
    weights = sum(model.nbytes[i] for i in range(len(model.nbytes)) if model.is_const(i))
    return {
        "model": str(path),
        "bytes": len(data),
        "inputs": [_tensor(model.tensor(i)) for i in model.inputs],
        "outputs": [_tensor(model.tensor(i)) for i in model.outputs],
        "ops": ops,
        "macs": sum(op["macs"] for op in ops),
        "weight_bytes": weights,
        "arena": {"midge": arena, "tflm": _tflm_arena(data) if tflm_arena else None},
        "supported": all(op["supported"] for op in ops),
    }


def _tensor(t):
    scale = qmath.to_float(qmath.from_f32_bits(t.scale_bits)) if t.scales else None
    return {"name": t.name, "shape": list(t.shape), "type": TYPE_NAMES[t.type],
            "scale": scale, "zero_point": t.zero_point if t.scales else None}


def _op(model, index, op):
    return {"index": index, "name": op.name, "version": op.version, "macs": _macs(model, op),
            "supported": op.unsupported is None, "reason": op.unsupported}


def _macs(model, op):
    """Multiply-accumulates of one invoke of ``op`` (0 for ops without weights)."""
    if op.name not in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED") or len(op.inputs) < 2:
        return 0
    out = model.tensor(op.outputs[0])
    weights = model.tensor(op.inputs[1]).shape
    if op.name == "CONV_2D" and len(weights) == 4:
        return out.size * weights[1] * weights[2] * weights[3]
    if op.name == "DEPTHWISE_CONV_2D" and len(weights) == 4:
        return out.size * weights[1] * weights[2]
    if op.name == "FULLY_CONNECTED" and len(weights) == 2:
        return out.size * weights[1]
    return 0


def _load_failure(data):
    """(op index, reason) when midge's load-time checks refuse an op, else None."""
    try:
        midge.nn.load(data)
    except ModelError as exc:
        found = re.match(r"operator (\d+):? (.*)", str(exc))
        if found:
            return int(found.group(1)), found.group(2)
        raise MidgeError(f"midge cannot load the model: {exc}") from None
    return None


def _tflm_arena(data):
    try:
        return tflm_arena_bytes(data)
    except MidgeError:
        return None


def model_path(text):
    """``text`` as an existing file Path, or MidgeError (a folder: the model in it, if one)."""
    path = Path(text)
    if path.is_dir():
        inside = [p for p in (path / "build" / "model.tflite", path / "model.tflite") if p.is_file()]
        raise MidgeError(f"{path} is a folder, not a model file",
                         hint=f"give the .tflite file: {inside[0]}" if inside else "give a .tflite file")
    if not path.is_file():
        raise MidgeError(f"model file not found: {path}")
    return path
