"""RESHAPE, SQUEEZE and EXPAND_DIMS: one byte copy from the input to the output
(both hold the same bytes in the same order), and ``move``, the kernel every
data-movement op runs (``midge.nn.ops.shape``)."""

from midge.nn.ops.common import fail


def move(fill_dst, fill, pairs, walks):
    """Set every byte of ``fill_dst`` (unless None) to ``fill``, copy each
    (dst, src) pair, then each walk (dst, src, shape, sstrides, dstrides, index, run, count)."""
    if fill_dst is not None:
        for i in range(len(fill_dst)):
            fill_dst[i] = fill
    for dst, src in pairs:
        dst[:] = src
    for dst, src, shape, ss, ds, index, run, count in walks:
        rank = len(shape)
        for d in range(rank):
            index[d] = 0
        so = do = 0
        for _ in range(count):
            for j in range(run):
                dst[do + j] = src[so + j]
            d = rank - 1
            while d >= 0:
                index[d] += 1
                so += ss[d]
                do += ds[d]
                if index[d] < shape[d]:
                    break
                so -= ss[d] * shape[d]
                do -= ds[d] * shape[d]
                index[d] = 0
                d -= 1


def _flat_copy(ctx, op, inp, out):
    if inp.type != out.type or inp.size != out.size:
        raise fail(op, "input %s and output %s differ in type or size" % (list(inp.shape), list(out.shape)))
    return move, (None, 0, [(ctx.raw(op.outputs[0]), ctx.raw(op.inputs[0]))], ())


def prepare_reshape(ctx, op):
    if not op.inputs or len(op.outputs) != 1:
        raise fail(op, "expected at least one input and one output")
    return _flat_copy(ctx, op, ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0]))


