"""Data-movement ops: RESHAPE, SQUEEZE, EXPAND_DIMS, SHAPE, STRIDED_SLICE,
PACK, CONCATENATION, PAD. They move bytes, so they work for every type.

Each preparer reduces the op to a list of (destination, source) memoryview
pairs made at load time, plus an optional fill; ``move`` replays them.
"""

import struct

from midge.nn.model import INT8, INT32, ITEM_SIZE
from midge.nn.ops.common import fail, operands, const_ints, same_quant


def move(pairs, fill_dst, fill):
    """Fill ``fill_dst`` from ``fill`` (when given), then copy every (dst, src) pair."""
    if fill is not None:
        fill_dst[:] = fill
    for dst, src in pairs:
        dst[:] = src


def _flat_copy(ctx, op, inp, out):
    if inp.type != out.type or inp.size != out.size:
        raise fail(op, "input %s and output %s differ in type or size" % (list(inp.shape), list(out.shape)))
    return move, ([(ctx.view(op.outputs[0]), ctx.view(op.inputs[0]))], None, None)


def prepare_reshape(ctx, op):
    if not op.inputs or len(op.outputs) != 1:
        raise fail(op, "expected at least one input and one output")
    return _flat_copy(ctx, op, ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0]))


def prepare_shape(ctx, op):
    (inp,), (out,) = operands(ctx, op, 1)
    if out.type != INT32 or out.size != len(inp.shape):
        raise fail(op, "output must be INT32 with one value per input dimension")
    packed = bytearray(4 * len(inp.shape))
    for i, d in enumerate(inp.shape):
        struct.pack_into("<i", packed, 4 * i, d)
    return move, ([], ctx.view(op.outputs[0]), ctx.signed(packed))


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
    fb, opt = ctx.fb, op.options
    rank = len(inp.shape)
    begin, end, strides = const_ints(op, b_t, rank), const_ints(op, e_t, rank), const_ints(op, s_t, rank)
    bm = fb.scalar(opt, 0, "i", 0) if opt else 0
    em = fb.scalar(opt, 1, "i", 0) if opt else 0
    if opt and (fb.scalar(opt, 2, "i", 0) or fb.scalar(opt, 3, "i", 0)):
        raise fail(op, "ellipsis and new-axis masks are not supported")
    sm = fb.scalar(opt, 4, "i", 0) if opt else 0
    offset = fb.scalar(opt, 5, "b", 0) if opt else 0
    if out.type != inp.type:
        raise fail(op, "input and output types differ")
    ranges = []
    total = 1
    for a in range(rank):
        if strides[a] == 0:
            raise fail(op, "stride of axis %d is zero" % a)
        start, stop = _strided_bounds(inp.shape[a], begin[a], end[a], strides[a],
                                      bm >> a & 1, em >> a & 1, sm >> a & 1, offset)
        r = range(start, stop, strides[a])
        ranges.append(r)
        total *= len(r)
    if total != out.size:
        raise fail(op, "slice has %d values but the output holds %d" % (total, out.size))
    item = ITEM_SIZE[inp.type]
    src, dst = ctx.view(op.inputs[0]), ctx.view(op.outputs[0])
    pairs = []
    strides_in = [1] * rank
    for a in range(rank - 2, -1, -1):
        strides_in[a] = strides_in[a + 1] * inp.shape[a + 1]
    if total:
        index = [0] * rank
        for o in range(total):
            flat = 0
            for a in range(rank):
                flat += ranges[a][index[a]] * strides_in[a]
            pairs.append((dst[o * item:(o + 1) * item], src[flat * item:(flat + 1) * item]))
            a = rank - 1
            while a >= 0:
                index[a] += 1
                if index[a] < len(ranges[a]):
                    break
                index[a] = 0
                a -= 1
    return move, (pairs, None, None)


def _join(ctx, op, tensors, sources, out, axis, stacked):
    """Pairs copying ``tensors`` along ``axis`` of ``out`` (PACK when ``stacked``)."""
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
    dst = ctx.view(op.outputs[0])
    pairs = []
    pos = 0
    for o in range(outer):
        for src, chunk in zip(sources, chunks):
            n = chunk * item
            if n:
                pairs.append((dst[pos:pos + n], src[o * n:(o + 1) * n]))
            pos += n
    return move, (pairs, None, None)


def prepare_concat(ctx, op):
    if not op.inputs or len(op.outputs) != 1 or min(op.inputs) < 0:
        raise fail(op, "expected inputs and one output")
    fb, opt = ctx.fb, op.options
    axis = fb.scalar(opt, 0, "i", 0) if opt else 0
    if opt and fb.scalar(opt, 1, "b", 0):
        raise fail(op, "fused activation is not supported")
    tensors = [ctx.tensor(i) for i in op.inputs]
    return _join(ctx, op, tensors, [ctx.view(i) for i in op.inputs], ctx.tensor(op.outputs[0]), axis, False)


def prepare_pack(ctx, op):
    if not op.inputs or len(op.outputs) != 1 or min(op.inputs) < 0:
        raise fail(op, "expected inputs and one output")
    axis = ctx.fb.scalar(op.options, 1, "i", 0) if op.options else 0
    tensors = [ctx.tensor(i) for i in op.inputs]
    return _join(ctx, op, tensors, [ctx.view(i) for i in op.inputs], ctx.tensor(op.outputs[0]), axis, True)


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
    if inp.type == INT8:
        same_quant(op, inp, out)
        fill = ctx.signed(bytes([out.zero_point & 0xFF]) * out.nbytes)
    else:
        fill = ctx.signed(bytes(out.nbytes))
    src, dst = ctx.view(op.inputs[0]), ctx.view(op.outputs[0])
    pairs = []
    if inp.size:
        row = inp.shape[-1] * item
        rows = inp.size // inp.shape[-1]
        out_strides = [1] * rank
        for a in range(rank - 2, -1, -1):
            out_strides[a] = out_strides[a + 1] * out.shape[a + 1]
        index = [0] * rank
        for r in range(rows):
            flat = 0
            for a in range(rank):
                flat += (index[a] + pads[2 * a]) * out_strides[a]
            pairs.append((dst[flat * item:flat * item + row], src[r * row:(r + 1) * row]))
            a = rank - 2
            while a >= 0:
                index[a] += 1
                if index[a] < inp.shape[a]:
                    break
                index[a] = 0
                a -= 1
    return move, (pairs, dst, fill)
