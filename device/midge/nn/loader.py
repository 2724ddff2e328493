"""Loading a model into an ``Interpreter``: read, parse, plan the arena,
prepare every op. Apart from the interpreter so its code leaves the heap once
the model is loaded (``Interpreter.__init__`` forgets this module).

Weights in flash (``weights="flash"``, a model file not mapped in place): each
op's constant tensors get slots in one scratch buffer, as large as the largest
op's constants; the op is prepared over its constants read into the slots, and
``Interpreter.invoke`` reads them again from the open file before the op runs.
A FULLY_CONNECTED whose weights exceed ``chunk_bytes`` runs as several ops,
each over a range of its output units (``_fc_in_rows``), so its weights come
in pieces too. The model file's buffer goes once the ops are prepared.
"""

from midge import fast
from midge.bits import zeros
from midge.nn import model as _model
from midge.nn.model import INT8, ModelError, collect, heap_note


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
        self.slots = {}  # weights in flash: {constant tensor: its slot in the scratch} of the op being prepared
        self.scratch = None  # and the scratch: a SignedBytes
    def tensor(self, index):
        return self._tensors[index]

    def view(self, index):
        """Tensor ``index`` as signed int8 items: an arena slice, or a view of its
        constant data in the model (see ``model.SignedBytes``: no len or slicing)."""
        slot = self.slots.get(index)
        if slot is not None:
            return self.scratch.view(slot, self._nbytes[index])
        at = self._data_at[index]
        if at >= 0:
            return self._data.view(at, self._nbytes[index])
        off = self._offsets[index]
        return self._arena[off:off + self._nbytes[index]]

    def raw(self, index):
        """Tensor ``index`` as a sliceable memoryview of its bytes, for byte copies."""
        slot = self.slots.get(index)
        if slot is not None:
            return self.scratch.raw(slot, self._nbytes[index])
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


def _fresh_scalars(s):
    if isinstance(s, _model.Scalars):
        return _model.Scalars(s._buf, s._start, s._len, s._fmt[1:])
    return s


def _fresh_options(o):
    return None if o is None else _model.Options(o._buf, o._table, o._vt, o._vt_size, o._size)


def _fresh(operators, tensors):
    """New copies of the operators and tensors that preparing keeps (every object
    and tuple in them new, the model buffer shared). Parsing built the originals
    between the reader's garbage, so they lie scattered over the heap; once they
    go, that stretch is one free block again, and the copies, made after a
    collection, pack into the holes below it: the mosquito model on a 32-bit
    board loads in 16 KiB less heap."""
    ops = [_model.Operator(o.name, o.version, tuple(list(o.inputs)), tuple(list(o.outputs)),
                           _fresh_options(o.options), o.unsupported) for o in operators]
    kept = {}
    for i, t in tensors.items():
        kept[i] = _model.Tensor(t.index, "%s" % t.name, t.type, tuple(list(t.shape)), t.data,
                                _fresh_scalars(t.scales), _fresh_scalars(t.zero_points), t.qdim)
    return ops, kept


def _handover(m):
    """What preparing the ops needs of the parsed model ``m``: (operators,
    {tensor index: Tensor} of every tensor the ops or the graph use, (data,
    nbytes, data_at, inputs, outputs)). All of it is made of ``model``'s types
    over the model buffer, so no reference to the reader survives."""
    tensors = {}
    for op in m.operators:
        for i in op.inputs + op.outputs:
            if i >= 0 and i not in tensors:
                tensors[i] = m.tensor(i)
    for i in m.inputs + m.outputs:
        if i not in tensors:
            tensors[i] = m.tensor(i)
    return m.operators, tensors, (m.data, m.nbytes, m.data_at, m.inputs, m.outputs)


def _last_uses(operators, graph_tensors):
    """{tensor index: the last op that uses it}, without the graph's inputs and outputs (they stay)."""
    last_use = {}
    for k, op in enumerate(operators):
        for i in op.inputs + op.outputs:
            if i >= 0:
                last_use[i] = k
    for i in graph_tensors:
        last_use.pop(i, None)
    return last_use


def _rows(s, u0, n):
    """Quantization vector ``s`` for rows u0..u0+n: sliced when per-channel."""
    return s[u0:u0 + n] if len(s) > 1 else s


def _fc_in_rows(op, tensors, nbytes, data_at, offsets, chunk_bytes):
    """An int8 FULLY_CONNECTED (one batch) whose weights exceed ``chunk_bytes``
    as ops over ranges of its output units, each with the weight rows (at most
    ``chunk_bytes``, at least one row), bias and output slice of its range:
    new tensors appended to ``tensors``/``nbytes``/``data_at``/``offsets``.
    Each computes what the whole op computes for its units (a unit's sum, bias
    and requantization do not depend on the others). None for any other op."""
    if op.name != "FULLY_CONNECTED" or len(op.inputs) < 2:
        return None
    w, out = tensors[op.inputs[1]], tensors[op.outputs[0]]
    if (data_at[w.index] < 0 or w.type != INT8 or len(w.shape) != 2 or nbytes[w.index] <= chunk_bytes
            or out.type != INT8 or out.size != w.shape[0] or out.index not in offsets):
        return None
    units, depth = w.shape
    b = tensors[op.inputs[2]] if len(op.inputs) > 2 and op.inputs[2] >= 0 else None
    if b is not None and (data_at[b.index] < 0 or b.size != units):
        return None
    rows = max(1, chunk_bytes // depth)
    ops = []
    for u0 in range(0, units, rows):
        n = min(rows, units - u0)
        parts = []
        for t, shape, item, at in ((w, (n, depth), depth, data_at[w.index]), (b, (n,), 4, 0),
                                   (out, (1, n), 1, -1)):
            if t is None:
                parts.append(-1)
                continue
            k = len(nbytes)
            nbytes.append(n * item)
            data_at.append(-1 if t is out else data_at[t.index] + u0 * item)
            if t is out:
                offsets[k] = offsets[out.index] + u0
            tensors[k] = _model.Tensor(k, t.name, t.type, shape, None, _rows(t.scales, u0, n),
                                       _rows(t.zero_points, u0, n), 0)
            parts.append(k)
        ops.append(_model.Operator(op.name, op.version, (op.inputs[0], parts[0], parts[1]), (parts[2],),
                                   op.options))
    return ops


def _weight_slots(operators, data_at, nbytes):
    """(per op: ((constant tensor, slot), ...), scratch bytes): each op's constant
    inputs laid out from 0, every slot 16-byte aligned (int32 loads need 4)."""
    layout = []
    size = 0
    for op in operators:
        slots = []
        end = 0
        for i in op.inputs:
            if i >= 0 and data_at[i] >= 0 and i not in [t for t, _ in slots]:
                slots.append((i, end))
                end += (nbytes[i] + 15) & ~15
        layout.append(tuple(slots))
        size = max(size, end)
    return layout, size


def load_into(interp, source, max_arena, weights="ram", path=None, chunk_bytes=4096):
    """Load ``source`` (a path, or a bytes-like model: the bytes of file ``path``
    if given) into ``interp``: its model buffer, arena, per-op steps and graph
    tensors (see ``Interpreter``); with ``weights="flash"`` (a file), the
    constants' scratch and loads instead of the model buffer, and FULLY_CONNECTED
    ops with more than ``chunk_bytes`` of weights in row ranges (see above)."""
    if weights not in ("ram", "flash"):
        raise ValueError("weights must be 'ram' or 'flash', got %r" % (weights,))
    if isinstance(source, str):
        path = source
        source = _model.read_file(path)
    if weights == "flash" and path is None:
        raise ValueError("weights='flash' reads the model's constants from its file: load it from a path")
    buf = source
    flash = weights == "flash" and not isinstance(buf, memoryview)  # a file mapped in place (ROMFS) stays there
    collect()
    from midge.loading import forget
    try:
        m = _model.parse(buf, len(buf))
        from midge.nn.planner import plan_model
        offsets, interp.arena_size = plan_model(m)
    except MemoryError:
        raise MemoryError("the model (%d bytes in RAM) leaves no room to read its graph and plan its "
                          "arena%s; put the model in ROMFS to run it in place" % (len(buf), heap_note()))
    plan_model = None
    forget("midge.nn.planner")
    interp._data = m.data  # keeps the model's bytes alive: constant views may hold only their address
    interp.model_ram_bytes = 0 if isinstance(buf, memoryview) and path else len(buf)
    interp.ops = [(op.name, op.version) for op in m.operators]
    if interp.arena_size > max_arena:
        raise ModelError("model needs a %d-byte arena; the limit is %d" % (interp.arena_size, max_arena))
    collect()
    try:
        interp._arena = zeros("b", interp.arena_size)
    except MemoryError:
        raise MemoryError("model needs an arena of %d bytes%s" % (interp.arena_size, heap_note()))
    count = len(m.nbytes)
    try:
        operators, tensors, graph = _handover(m)
        m = None
        forget("midge.nn.reader", "midge.nn.flatbuf")  # parsing's code: its room goes to the ops
        collect()
        operators, tensors = _fresh(operators, tensors)
    except MemoryError:
        m = operators = tensors = None
        raise MemoryError("model needs an arena of %d bytes and room for its %d tensors' descriptions%s"
                          % (interp.arena_size, count, heap_note()))
    data, nbytes, data_at, inputs, outputs = graph
    collect()
    if flash:
        split = []
        for op in operators:
            split.extend(_fc_in_rows(op, tensors, nbytes, data_at, offsets, chunk_bytes) or (op,))
        operators = split
    last_use = _last_uses(operators, inputs + outputs)
    ctx = _Context(tensors, data, nbytes, data_at, interp._arena, offsets)
    if flash:
        layout, size = _weight_slots(operators, data_at, nbytes)
        try:
            scratch = bytearray(size)
        except MemoryError:
            raise MemoryError("model needs an arena of %d bytes and %d for its largest op's weights%s"
                              % (interp.arena_size, size, heap_note()))
        ctx.scratch = _model.SignedBytes(scratch)
        interp._file = open(path, "rb")
        interp._loads = []
    try:
        from midge.nn.ops import module_of, preparer  # loaded after the big buffers: less fragmentation
    except MemoryError:
        raise MemoryError("model needs an arena of %d bytes and room for midge's op modules%s"
                          % (interp.arena_size, heap_note()))
    last_of_module = {}  # preparer module -> the last op that needs it
    for i, op in enumerate(operators):
        last_of_module[module_of(op.name)] = i
    interp._steps = []
    for i, op in enumerate(operators):
        if flash:
            ctx.slots = {}
            loads = []
            for t, slot in layout[i]:
                n = nbytes[t]
                loads.append((data_at[t], ctx.scratch.raw(slot, n), n))
                ctx.slots[t] = slot
                tensors[t].data = ctx.scratch.view(slot, n)
            interp._loads.append(tuple(loads))
            interp._load(i)
        try:
            interp._steps.append(preparer(op.name)(ctx, op))
            collect()
        except ModelError as e:
            raise ModelError("operator %d: %s" % (i, e))
        except MemoryError:
            interp._steps = None  # let the message below find memory
            raise MemoryError("model needs an arena of %d bytes and more memory for the tables "
                              "of operator %d (%s)%s" % (interp.arena_size, i, op.name, heap_note()))
        except (IndexError, KeyError, TypeError, ValueError, ZeroDivisionError, OverflowError) as e:
            raise ModelError("operator %d (%s) is malformed: %r" % (i, op.name, e))
        for t in op.inputs + op.outputs:  # tensors no later op uses: their objects go
            if last_use.get(t) == i:
                tensors.pop(t, None)
        if fast.VIPER and last_of_module[module_of(op.name)] == i:
            forget(module_of(op.name))  # a preparer no later op uses: its code goes (viper kernels live apart)
    preparer = module_of = None
    forget("midge.nn.ops", "midge.nn.ops.common", "midge.nn.ops._pack_viper")  # the registry, preparing's helpers
    interp._in = [_kept(tensors[i]) for i in inputs]
    interp._out = [_kept(tensors[i]) for i in outputs]
    interp._inputs = [ctx.view(i) for i in inputs]
    interp._outputs = [ctx.view(i) for i in outputs]
    if flash:
        interp._data = scratch  # the model's bytes go: the ops read their constants from the file
        interp.model_ram_bytes = len(scratch)
    interp.input_count = len(inputs)
    interp.output_count = len(outputs)
