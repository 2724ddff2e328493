"""Data-movement ops: SHAPE, STRIDED_SLICE, PACK, CONCATENATION, PAD (RESHAPE,
SQUEEZE and EXPAND_DIMS, which nearly every model has, are in
``midge.nn.ops.reshape``). They move bytes, so they work for every type.

Each preparer describes its copies as strided blocks (``_transfer``): a
block of ``run`` contiguous bytes for every index of an outer ``shape``,
with byte strides in the source and the destination. Transfers of a few
blocks become (destination, source) memoryview pairs made at load time;
larger ones are walked on the fly, so nothing the size of the tensor is
built. ``reshape.move`` runs both, after an optional fill, without allocating.
"""

import struct

from midge.nn.model import INT8, INT32, ITEM_SIZE
from midge.nn.ops.common import fail, operands, const_ints, same_quant
from midge.nn.ops.reshape import move

MAX_PAIRS = 16


def _transfer(dst, src, shape, ss, ds, item, pairs, walks):
    """Add the copy of ``item``-byte elements over ``shape`` (byte strides ``ss`` in
    ``src``, ``ds`` in ``dst``, both sliceable byte views) to ``pairs`` or ``walks``."""
    shape, ss, ds, run = list(shape), list(ss), list(ds), item
    while shape and ss[-1] == run and ds[-1] == run:
        run *= shape.pop()
        ss.pop()
        ds.pop()
    i = len(shape) - 1
    while i > 0:
        if ss[i - 1] == ss[i] * shape[i] and ds[i - 1] == ds[i] * shape[i]:
            shape[i - 1] *= shape[i]
            ss[i - 1], ds[i - 1] = ss[i], ds[i]
            del shape[i], ss[i], ds[i]
        i -= 1
    count = 1
    for d in shape:
        count *= d
    if not count or not run:
        return
    if count > MAX_PAIRS:
        walks.append((dst, src, tuple(shape), tuple(ss), tuple(ds), [0] * len(shape), run, count))
        return
    index = [0] * len(shape)
    for _ in range(count):
        so = do = 0
        for d in range(len(shape)):
            so += index[d] * ss[d]
            do += index[d] * ds[d]
        pairs.append((dst[do:do + run], src[so:so + run]))
        d = len(shape) - 1
        while d >= 0:
            index[d] += 1
            if index[d] < shape[d]:
                break
            index[d] = 0
            d -= 1


def _strides(shape, item):
    """Row-major byte strides of ``shape``."""
    out = [item] * len(shape)
    for a in range(len(shape) - 2, -1, -1):
        out[a] = out[a + 1] * shape[a + 1]
    return out


def _copyable(buf):
    """``buf`` as a memoryview that can be assigned into an arena slice (signed on CPython)."""
    mv = memoryview(buf)
    cast = getattr(mv, "cast", None)
    return cast("b") if cast else mv


def prepare_shape(ctx, op):
    (inp,), (out,) = operands(ctx, op, 1)
    if out.type != INT32 or out.size != len(inp.shape):
        raise fail(op, "output must be INT32 with one value per input dimension")
    packed = bytearray(4 * len(inp.shape))
    for i, d in enumerate(inp.shape):
        struct.pack_into("<i", packed, 4 * i, d)
    return move, (None, 0, [(ctx.raw(op.outputs[0]), _copyable(packed))], ())


def _strided_bounds(size, begin, end, stride, begin_masked, end_masked, shrink, offset):
    """TFLM StridedSliceStartForAxis / EndForAxis for one axis."""
    start = begin + size if begin < 0 else begin
    start = min(max(start, 0), size) if stride > 0 else min(max(start, -1), size - 1)
    if begin_masked:
        start = 0 if stride > 0 else size - 1
    if shrink:
        return start, (start if start >= size else start + 1)
    stop = end + start if offset else end
    stop = stop + size if stop < 0 else stop
    stop = min(max(stop, 0), size) if stride > 0 else min(max(stop, -1), size - 1)
    if end_masked:
        stop = size if stride > 0 else -1
    return start, stop


def prepare_strided_slice(ctx, op):
    (inp, b_t, e_t, s_t), (out,) = operands(ctx, op, 4)
    opt = op.options
    rank = len(inp.shape)
    begin, end, strides = const_ints(op, b_t, rank), const_ints(op, e_t, rank), const_ints(op, s_t, rank)
    bm = opt.scalar(0, "i", 0) if opt else 0
    em = opt.scalar(1, "i", 0) if opt else 0
    if opt and (opt.scalar(2, "i", 0) or opt.scalar(3, "i", 0)):
        raise fail(op, "ellipsis and new-axis masks are not supported")
    sm = opt.scalar(4, "i", 0) if opt else 0
    offset = opt.scalar(5, "b", 0) if opt else 0
    if out.type != inp.type:
        raise fail(op, "input and output types differ")
    item = ITEM_SIZE[inp.type]
    in_strides = _strides(inp.shape, item)
    shape, ss, base = [], [], 0
    for a in range(rank):
        if strides[a] == 0:
            raise fail(op, "stride of axis %d is zero" % a)
        start, stop = _strided_bounds(inp.shape[a], begin[a], end[a], strides[a],
                                      bm >> a & 1, em >> a & 1, sm >> a & 1, offset)
        shape.append(len(range(start, stop, strides[a])))
        ss.append(strides[a] * in_strides[a])
        base += start * in_strides[a]
    total = 1
    for d in shape:
        total *= d
    if total != out.size:
        raise fail(op, "slice has %d values but the output holds %d" % (total, out.size))
    pairs, walks = [], []
    if total:
        _transfer(ctx.raw(op.outputs[0]), ctx.raw(op.inputs[0])[base:], shape, ss, _strides(shape, item),
                  item, pairs, walks)
    return move, (None, 0, pairs, walks)


def _join(ctx, op, tensors, sources, out, axis, stacked):
    """The move of ``tensors`` (byte views ``sources``) along ``axis`` of ``out`` (PACK when ``stacked``)."""
    rank = len(out.shape)
    axis = axis + rank if axis < 0 else axis
    if not 0 <= axis < rank:
        raise fail(op, "axis is out of range")
    item = ITEM_SIZE[out.type]
    outer = 1
    for d in out.shape[:axis]:
        outer *= d
    chunks = []
    along = 0
    for t in tensors:
        if t.type != out.type:
            raise fail(op, "input '%s' type differs from the output" % t.name)
        if out.type == INT8:
            same_quant(op, t, out)
        shape = list(t.shape)
        if stacked:
            shape.insert(axis, 1)
        if len(shape) != rank or any(shape[i] != out.shape[i] for i in range(rank) if i != axis):
            raise fail(op, "input '%s' shape %s does not fit output %s" % (t.name, list(t.shape), list(out.shape)))
        along += shape[axis]
        chunks.append(t.size // outer if outer else 0)
    if along != out.shape[axis]:
        raise fail(op, "inputs add up to %d along axis %d, output has %d" % (along, axis, out.shape[axis]))
    dst = ctx.raw(op.outputs[0])
    row = out.nbytes // outer if outer else 0
    pairs, walks = [], []
    pos = 0
    for src, chunk in zip(sources, chunks):
        n = chunk * item
        _transfer(dst[pos:], src, (outer, n), (n, 1), (row, 1), 1, pairs, walks)
        pos += n
    return move, (None, 0, pairs, walks)


def prepare_concat(ctx, op):
    if not op.inputs or len(op.outputs) != 1 or min(op.inputs) < 0:
        raise fail(op, "expected inputs and one output")
    opt = op.options
    axis = opt.scalar(0, "i", 0) if opt else 0
    if opt and opt.scalar(1, "b", 0):
        raise fail(op, "fused activation is not supported")
    tensors = [ctx.tensor(i) for i in op.inputs]
    return _join(ctx, op, tensors, [ctx.raw(i) for i in op.inputs], ctx.tensor(op.outputs[0]), axis, False)


def prepare_pack(ctx, op):
    if not op.inputs or len(op.outputs) != 1 or min(op.inputs) < 0:
        raise fail(op, "expected inputs and one output")
    axis = op.options.scalar(1, "i", 0) if op.options else 0
    tensors = [ctx.tensor(i) for i in op.inputs]
    return _join(ctx, op, tensors, [ctx.raw(i) for i in op.inputs], ctx.tensor(op.outputs[0]), axis, True)


def prepare_pad(ctx, op):
    (inp, pads_t), (out,) = operands(ctx, op, 2)
    rank = len(inp.shape)
    pads = const_ints(op, pads_t, 2 * rank)
    if out.type != inp.type or len(out.shape) != rank:
        raise fail(op, "output type or rank differs from the input")
    for a in range(rank):
        if pads[2 * a] < 0 or pads[2 * a + 1] < 0 or \
                out.shape[a] != inp.shape[a] + pads[2 * a] + pads[2 * a + 1]:
            raise fail(op, "paddings %s do not turn %s into %s" % (pads, list(inp.shape), list(out.shape)))
    item = ITEM_SIZE[inp.type]
    fill = 0
    if inp.type == INT8:
        same_quant(op, inp, out)
        fill = out.zero_point
    out_strides = _strides(out.shape, item)
    base = 0
    for a in range(rank):
        base += pads[2 * a] * out_strides[a]
    dst = ctx.raw(op.outputs[0])
    pairs, walks = [], []
    if inp.size:
        _transfer(dst[base:], ctx.raw(op.inputs[0]), inp.shape, _strides(inp.shape, item), out_strides,
                  item, pairs, walks)
    return move, (dst, fill, pairs, walks)
