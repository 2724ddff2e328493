"""The int8 TFLite interpreter: load a model, plan its arena, invoke it.

``Interpreter(source)`` takes a file path or a bytes-like model. All
non-constant tensors live in one arena (an ``array('b')``) placed by the
planner; constant tensors stay in the model buffer. Every op is prepared
once at load time into ``(kernel, args)``; ``invoke()`` only runs kernels.
"""

import struct
from array import array

from midge.nn import model as _model
from midge.nn import planner, qmath
from midge.nn.flatbuf import ModelError
from midge.nn.floats import round_half_away
from midge.nn.model import FLOAT32, INT8, ITEM_SIZE, TYPE_NAMES
from midge.nn.ops import PREPARERS

MAX_ARENA = 1 << 26


def _signed(data):
    """A signed-int8 view of bytes-like ``data``, without a copy where the runtime allows."""
    if isinstance(data, array) and data.typecode == "b":
        return data
    mv = memoryview(data)
    cast = getattr(mv, "cast", None)
    if cast is not None:
        return cast("B").cast("b")
    out = array("b", bytes(len(mv)))
    for i in range(len(mv)):
        out[i] = mv[i] - 256 if mv[i] > 127 else mv[i]
    return out


def _read_file(path):
    with open(path, "rb") as f:
        f.seek(0, 2)
        n = f.tell()
        f.seek(0)
        buf = array("b", bytes(n))
        got = f.readinto(buf)
    if got != n:
        raise ModelError("model file %s: read %d of %d bytes" % (path, got or 0, n))
    return buf


class _Context:
    """What op preparers see: tensors, views into the arena, options reader."""

    def __init__(self, m, arena, offsets):
        self.fb = m.fb
        self._m = m
        self._arena = memoryview(arena)
        self._offsets = offsets

    def tensor(self, index):
        return self._m.tensors[index]

    def view(self, index):
        """Bytes of tensor ``index``: signed int8 items, in the arena or the model."""
        t = self._m.tensors[index]
        if t.data is not None:
            return t.data
        off = self._offsets[index]
        return self._arena[off:off + t.nbytes]

    def signed(self, data):
        return _signed(data)


class Interpreter:
    """A loaded model. See ``midge.nn`` for the API summary."""

    def __init__(self, source, max_arena=MAX_ARENA):
        if isinstance(source, str):
            buf = _read_file(source)
        else:
            buf = _signed(source)
        m = _model.parse(buf, len(buf))
        self._model = m
        self.ops = [(op.name, op.version) for op in m.operators]
        offsets, self.arena_size = self._plan(m)
        if self.arena_size > max_arena:
            raise ModelError("model needs a %d-byte arena; the limit is %d" % (self.arena_size, max_arena))
        self._arena = array("b", bytes(self.arena_size))
        ctx = _Context(m, self._arena, offsets)
        self._steps = []
        for i, op in enumerate(m.operators):
            try:
                self._steps.append(PREPARERS[op.name](ctx, op))
            except ModelError as e:
                raise ModelError("operator %d: %s" % (i, e))
            except (IndexError, KeyError, TypeError, ValueError, ZeroDivisionError, OverflowError) as e:
                raise ModelError("operator %d (%s) is malformed: %r" % (i, op.name, e))
        self._inputs = [ctx.view(i) for i in m.inputs]
        self._outputs = [ctx.view(i) for i in m.outputs]
        self.input_count = len(m.inputs)
        self.output_count = len(m.outputs)

    @staticmethod
    def _plan(m):
        n_ops = len(m.operators)
        first = {}
        last = {}
        for i in m.inputs:
            first[i] = -1
        for k, op in enumerate(m.operators):
            for i in op.inputs:
                if i < 0 or m.tensors[i].data is not None:
                    continue
                if i not in first:
                    raise ModelError("tensor '%s' is read by operator %d before anything writes it"
                                     % (m.tensors[i].name, k))
                last[i] = k
            for i in op.outputs:
                if m.tensors[i].data is not None:
                    raise ModelError("operator %d writes constant tensor '%s'" % (k, m.tensors[i].name))
                first.setdefault(i, k)
                last[i] = max(last.get(i, k), k)
        for i in m.outputs:
            if i not in first:
                raise ModelError("output tensor '%s' is never written" % m.tensors[i].name)
            last[i] = n_ops
        for i in m.inputs:
            last.setdefault(i, -1)
        order = sorted(first)
        sizes = [(m.tensors[i].nbytes, first[i], last[i]) for i in order]
        placed, size = planner.plan(sizes)
        offsets = {}
        for i, off in zip(order, placed):
            offsets[i] = off
        return offsets, size

    def _tensor(self, which, i):
        indices = self._model.inputs if which == "input" else self._model.outputs
        if not 0 <= i < len(indices):
            raise IndexError("model has %d %ss; there is no %s %d" % (len(indices), which, which, i))
        return self._model.tensors[indices[i]]

    def input(self, i=0):
        """Writable bytes of input ``i``: a memoryview whose items are signed int8
        values for INT8 inputs (raw little-endian bytes for other types)."""
        self._tensor("input", i)
        return self._inputs[i]

    def output(self, i=0):
        """Bytes of output ``i`` (same conventions as ``input``); valid after ``invoke``."""
        self._tensor("output", i)
        return self._outputs[i]

    def input_shape(self, i=0):
        return self._tensor("input", i).shape

    def output_shape(self, i=0):
        return self._tensor("output", i).shape

    def input_type(self, i=0):
        return TYPE_NAMES[self._tensor("input", i).type]

    def output_type(self, i=0):
        return TYPE_NAMES[self._tensor("output", i).type]

    def input_quant(self, i=0):
        """(scale, zero_point) of input ``i``; (0.0, 0) when it is not quantized."""
        return self._quant(self._tensor("input", i))

    def output_quant(self, i=0):
        return self._quant(self._tensor("output", i))

    @staticmethod
    def _quant(t):
        if not t.scales:
            return 0.0, 0
        return qmath.to_float(qmath.from_f32_bits(t.scale_bits)), t.zero_point

    def invoke(self):
        """Run every op once, in model order."""
        for kernel, args in self._steps:
            kernel(*args)

    def set_input(self, values, i=0):
        """Copy ``values`` (ints for INT8, floats for FLOAT32) into input ``i``."""
        t = self._tensor("input", i)
        if len(values) != t.size:
            raise ValueError("input %d takes %d values %s, got %d" % (i, t.size, list(t.shape), len(values)))
        view = self._inputs[i]
        if t.type == INT8:
            for k in range(t.size):
                v = values[k]
                if not -128 <= v <= 127:
                    raise ValueError("input %d value %r at %d is outside int8" % (i, v, k))
                view[k] = v
        elif t.type == FLOAT32:
            for k in range(t.size):
                struct.pack_into("<f", view, 4 * k, values[k])
        else:
            raise ValueError("input %d has type %s; use input() to write its bytes" % (i, TYPE_NAMES[t.type]))

    def get_output(self, i=0):
        """Output ``i`` as a list of ints (INT8/INT16/INT32) or floats (FLOAT32)."""
        t = self._tensor("output", i)
        view = self._outputs[i]
        if t.type == INT8:
            return list(view)
        fmt = {FLOAT32: "<f", 2: "<i", 7: "<h"}[t.type]
        size = ITEM_SIZE[t.type]
        return [struct.unpack_from(fmt, view, size * k)[0] for k in range(t.size)]

    def predict(self, values, i=0):
        """Quantize float ``values`` into input ``i`` (if needed), invoke, and
        return output 0 as floats (dequantized when it is quantized)."""
        t = self._tensor("input", i)
        if t.type == INT8:
            s, zp = self._quant(t)
            q = []
            for v in values:
                r = round_half_away(v / s) + zp
                q.append(-128 if r < -128 else (127 if r > 127 else r))
            self.set_input(q, i)
        else:
            self.set_input(values, i)
        self.invoke()
        out = self._tensor("output", 0)
        raw = self.get_output(0)
        if out.type == FLOAT32 or not out.scales:
            return raw
        s, zp = self._quant(out)
        return [s * (v - zp) for v in raw]
