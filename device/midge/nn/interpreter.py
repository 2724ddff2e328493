"""The int8 TFLite interpreter: load a model, plan its arena, invoke it.

``Interpreter(source)`` takes a file path or a bytes-like model. All
non-constant tensors live in one arena (an ``array('b')``) placed by the
planner; constant tensors stay in the model buffer. Every op is prepared
once at load time into ``(kernel, args)`` (``midge.nn.loader``, unloaded
once done); ``invoke()`` only runs kernels.
"""

import struct

from midge.nn import qmath
from midge.nn.floats import round_half_away
from midge.nn.model import FLOAT32, INT8, ITEM_SIZE, TYPE_NAMES, ModelError

MAX_ARENA = 1 << 26


class Interpreter:
    """A loaded model. See ``midge.nn`` for the API summary.

    ``source`` is a path (read by ``model.read_file``: in place on ROMFS, else
    into one bytearray) or a bytes-like object, which is used without a copy and
    must stay unchanged. ``weights="flash"`` (``source`` a path, or ``path`` the
    file its bytes came from) keeps only the largest op's constants in RAM and
    reads each op's from the file before it runs (``midge.nn.loader``; a
    FULLY_CONNECTED with more than ``chunk_bytes`` of weights runs in pieces):
    the model's RAM is its arena and that scratch, at the cost of file reads;
    the file must not change while the model is loaded. Loading allocates the arena, then the per-op tables;
    when memory runs out it raises a MemoryError that says what the model needs.
    """

    def __init__(self, source, max_arena=MAX_ARENA, weights="ram", path=None, chunk_bytes=4096):
        from midge.loading import forget
        from midge.nn.loader import load_into
        self._file = None  # weights in flash: the open model file, and per op
        self._loads = None  # ((file offset, memoryview of its slot, bytes), ...) of its constants
        load_into(self, source, max_arena, weights, path, chunk_bytes)
        load_into = None
        forget("midge.nn.loader")  # loading's code: a loaded model needs none of it

    def _tensor(self, which, i):
        tensors = self._in if which == "input" else self._out
        if not 0 <= i < len(tensors):
            raise IndexError("model has %d %ss; there is no %s %d" % (len(tensors), which, which, i))
        return tensors[i]

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
        if self._loads is None:
            for kernel, args in self._steps:
                kernel(*args)
            return
        i = 0
        for kernel, args in self._steps:
            self._load(i)
            kernel(*args)
            i += 1

    def _load(self, i):
        """Read op ``i``'s constants from the model file into their slots."""
        f = self._file
        for at, into, n in self._loads[i]:
            f.seek(at)
            if f.readinto(into) != n:
                raise ModelError("the model file changed or shrank since it was loaded: operator %d's "
                                 "constants at byte %d are short" % (i, at))

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
