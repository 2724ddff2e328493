"""The int8 TFLite interpreter: load a model, plan its arena, invoke it.

``Interpreter(source)`` takes a file path or a bytes-like model. All
non-constant tensors live in one arena (an ``array('b')``) placed by the
planner; constant tensors stay in the model buffer. Every op is prepared
once at load time into ``(kernel, args)``; ``invoke()`` only runs kernels.
"""

import struct

from midge import fast
from midge.bits import zeros
from midge.nn import model as _model
from midge.nn import qmath
from midge.nn.floats import round_half_away
from midge.nn.model import FLOAT32, INT8, ITEM_SIZE, TYPE_NAMES, ModelError, collect, heap_note

MAX_ARENA = 1 << 26


class _Context:
    """What op preparers see: their tensors, views into the arena or the model.
    Built from what parsing handed over (``model`` types only), so the reader
    and FlatBuffer code are unloaded while the ops are prepared."""

    def __init__(self, tensors, data, nbytes, data_at, arena, offsets):
        self._tensors = tensors
        self._data = data
        self._nbytes = nbytes
        self._data_at = data_at
        self._arena = memoryview(arena)
        self._offsets = offsets

    def tensor(self, index):
        return self._tensors[index]

    def view(self, index):
        """Tensor ``index`` as signed int8 items: an arena slice, or a view of its
        constant data in the model (see ``model.SignedBytes``: no len or slicing)."""
        at = self._data_at[index]
        if at >= 0:
            return self._data.view(at, self._nbytes[index])
        off = self._offsets[index]
        return self._arena[off:off + self._nbytes[index]]

    def raw(self, index):
        """Tensor ``index`` as a sliceable memoryview of its bytes, for byte copies."""
        at = self._data_at[index]
        if at >= 0:
            return self._data.raw(at, self._nbytes[index])
        return self.view(index)


def _kept(t):
    """Tensor ``t`` with its quantization read out of the model buffer, so it
    holds no reference to the FlatBuffer reader."""
    t.scales = tuple(t.scales[k] for k in range(len(t.scales)))
    t.zero_points = tuple(t.zero_points[k] for k in range(len(t.zero_points)))
    return t


def _handover(m):
    """What preparing the ops needs of the parsed model ``m``: (operators,
    {tensor index: Tensor} of every tensor the ops or the graph use, {tensor
    index: the last op that uses it} (none for the graph's inputs and outputs,
    which stay), (data, nbytes, data_at, inputs, outputs)). All of it is made
    of ``model``'s types over the model buffer, so no reference to the reader
    survives."""
    tensors = {}
    last_use = {}
    for k, op in enumerate(m.operators):
        for i in op.inputs + op.outputs:
            if i >= 0:
                if i not in tensors:
                    tensors[i] = m.tensor(i)
                last_use[i] = k
    for i in m.inputs + m.outputs:
        last_use.pop(i, None)
        if i not in tensors:
            tensors[i] = m.tensor(i)
    return m.operators, tensors, last_use, (m.data, m.nbytes, m.data_at, m.inputs, m.outputs)


class Interpreter:
    """A loaded model. See ``midge.nn`` for the API summary.

    ``source`` is a path (read by ``model.read_file``: in place on ROMFS, else
    into one bytearray) or a bytes-like object, which is used without a copy and
    must stay unchanged. Loading allocates the arena, then the per-op tables;
    when memory runs out it raises a MemoryError that says what the model needs.
    """

    def __init__(self, source, max_arena=MAX_ARENA):
        buf = _model.read_file(source) if isinstance(source, str) else source
        collect()
        from midge.loading import forget
        try:
            m = _model.parse(buf, len(buf))
            from midge.nn.planner import plan_model
            offsets, self.arena_size = plan_model(m)
        except MemoryError:
            raise MemoryError("the model (%d bytes in RAM) leaves no room to read its graph and plan its "
                              "arena%s; put the model in ROMFS to run it in place" % (len(buf), heap_note()))
        plan_model = None
        forget("midge.nn.planner")
        self._data = m.data  # keeps the model's bytes alive: constant views may hold only their address
        self.ops = [(op.name, op.version) for op in m.operators]
        if self.arena_size > max_arena:
            raise ModelError("model needs a %d-byte arena; the limit is %d" % (self.arena_size, max_arena))
        collect()
        try:
            self._arena = zeros("b", self.arena_size)
        except MemoryError:
            raise MemoryError("model needs an arena of %d bytes%s" % (self.arena_size, heap_note()))
        try:
            operators, tensors, last_use, graph = _handover(m)
        except MemoryError:
            raise MemoryError("model needs an arena of %d bytes and room for its %d tensors' descriptions%s"
                              % (self.arena_size, len(m.nbytes), heap_note()))
        m = None
        forget("midge.nn.reader", "midge.nn.flatbuf")  # parsing's code: its room goes to the ops
        data, nbytes, data_at, inputs, outputs = graph
        collect()
        try:
            from midge.nn.ops import module_of, preparer  # loaded after the big buffers: less fragmentation
        except MemoryError:
            raise MemoryError("model needs an arena of %d bytes and room for midge's op modules%s"
                              % (self.arena_size, heap_note()))
        ctx = _Context(tensors, data, nbytes, data_at, self._arena, offsets)
        last_of_module = {}  # preparer module -> the last op that needs it
        for i, op in enumerate(operators):
            last_of_module[module_of(op.name)] = i
        self._steps = []
        for i, op in enumerate(operators):
            try:
                self._steps.append(preparer(op.name)(ctx, op))
                collect()
            except ModelError as e:
                raise ModelError("operator %d: %s" % (i, e))
            except MemoryError:
                self._steps = None  # let the message below find memory
                raise MemoryError("model needs an arena of %d bytes and more memory for the tables "
                                  "of operator %d (%s)%s" % (self.arena_size, i, op.name, heap_note()))
            except (IndexError, KeyError, TypeError, ValueError, ZeroDivisionError, OverflowError) as e:
                raise ModelError("operator %d (%s) is malformed: %r" % (i, op.name, e))
            for t in op.inputs + op.outputs:  # tensors no later op uses: their objects go
                if last_use.get(t) == i:
                    tensors.pop(t, None)
            if fast.VIPER and last_of_module[module_of(op.name)] == i:
                forget(module_of(op.name))  # a preparer no later op uses: its code goes (viper kernels live apart)
        preparer = module_of = None
        forget("midge.nn.ops", "midge.nn.ops.common", "midge.nn.ops._pack_viper")  # the registry, preparing's helpers
        self._in = [_kept(tensors[i]) for i in inputs]
        self._out = [_kept(tensors[i]) for i in outputs]
        self._inputs = [ctx.view(i) for i in inputs]
        self._outputs = [ctx.view(i) for i in outputs]
        self.input_count = len(inputs)
        self.output_count = len(outputs)

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
