"""Loading a model into an ``Interpreter``: read, parse, plan the arena,
prepare every op. Apart from the interpreter so its code leaves the heap once
the model is loaded (``Interpreter.__init__`` forgets this module).
"""

from midge import fast
from midge.bits import zeros
from midge.nn import model as _model
from midge.nn.model import ModelError, collect, heap_note


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


def load_into(interp, source, max_arena):
    """Load ``source`` (a path or a bytes-like model) into ``interp``: its model
    buffer, arena, per-op steps and graph tensors (see ``Interpreter``)."""
    buf = _model.read_file(source) if isinstance(source, str) else source
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
        operators, tensors, last_use, graph = _handover(m)
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
    try:
        from midge.nn.ops import module_of, preparer  # loaded after the big buffers: less fragmentation
    except MemoryError:
        raise MemoryError("model needs an arena of %d bytes and room for midge's op modules%s"
                          % (interp.arena_size, heap_note()))
    ctx = _Context(tensors, data, nbytes, data_at, interp._arena, offsets)
    last_of_module = {}  # preparer module -> the last op that needs it
    for i, op in enumerate(operators):
        last_of_module[module_of(op.name)] = i
    interp._steps = []
    for i, op in enumerate(operators):
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
    interp.input_count = len(inputs)
    interp.output_count = len(outputs)
