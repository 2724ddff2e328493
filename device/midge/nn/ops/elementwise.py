"""ADD, SUB and MUL (int8, with broadcasting), as TFLM's reference kernels.

ADD/SUB rescale each input with its own multiplier after a left shift of 20;
since an int8 input has only 256 values, those rescaled values are tabulated
once at load time, leaving one requantization per output element.
"""

from midge.nn import qmath
from midge.nn.ops.common import fail, operands, quantized_int8, scale
from midge.nn.qmath import activation_range, mbqm


def addsub_int8(a, b, out, ia, ib, n, ta, tb, sign, mult, shift, ooff, amin, amax):
    """out[i] = requant(ta[a[ia[i]]] +/- tb[b[ib[i]]]); ia/ib None means elementwise."""
    for i in range(n):
        va = ta[a[ia[i] if ia else i] + 128]
        vb = tb[b[ib[i] if ib else i] + 128]
        v = mbqm(va + vb if sign > 0 else va - vb, mult, shift) + ooff
        out[i] = amin if v < amin else (amax if v > amax else v)


def mul_int8(a, b, out, ia, ib, n, aoff, boff, mult, shift, ooff, amin, amax):
    """out[i] = requant((a + aoff) * (b + boff))."""
    for i in range(n):
        va = a[ia[i] if ia else i] + aoff
        vb = b[ib[i] if ib else i] + boff
        v = mbqm(va * vb, mult, shift) + ooff
        out[i] = amin if v < amin else (amax if v > amax else v)


def broadcast_indices(op, sa, sb, so):
    """Per-output-element source indices for shapes sa, sb; (None, None) when equal."""
    rank = len(so)
    pa = (1,) * (rank - len(sa)) + tuple(sa)
    pb = (1,) * (rank - len(sb)) + tuple(sb)
    for i in range(rank):
        want = pa[i] if pb[i] == 1 else pb[i]
        if (pa[i] != pb[i] and pa[i] != 1 and pb[i] != 1) or so[i] != want:
            raise fail(op, "shapes %s and %s do not broadcast to %s" % (list(sa), list(sb), list(so)))
    if tuple(pa) == tuple(pb):
        return None, None
    n = 1
    for d in so:
        n *= d
    ia, ib = [0] * n, [0] * n
    stra, strb = [0] * rank, [0] * rank
    s1 = s2 = 1
    for i in range(rank - 1, -1, -1):
        stra[i] = s1 if pa[i] != 1 else 0
        strb[i] = s2 if pb[i] != 1 else 0
        s1 *= pa[i]
        s2 *= pb[i]
    index = [0] * rank
    for flat in range(n):
        x = y = 0
        for i in range(rank):
            x += index[i] * stra[i]
            y += index[i] * strb[i]
        ia[flat], ib[flat] = x, y
        i = rank - 1
        while i >= 0:
            index[i] += 1
            if index[i] < so[i]:
                break
            index[i] = 0
            i -= 1
    return ia, ib


def _smaller_than_one(op, value):
    m, s = qmath.quantize_multiplier(value)
    if s > 0 or not m:
        raise fail(op, "rescaling multiplier must be between zero and one")
    return m, s


def prepare_addsub(ctx, op):
    (a, b), (out,) = operands(ctx, op, 2)
    quantized_int8(op, a, b, out)
    act = ctx.fb.scalar(op.options, 0, "b", 0) if op.options else 0
    ia, ib = broadcast_indices(op, a.shape, b.shape, out.shape)
    sa, sb, so = scale(a), scale(b), scale(out)
    big = sb if qmath.less(sa, sb) else sa
    twice = (big[0], big[1] + 1)
    if op.name == "ADD":
        ma = qmath.div(sa, twice, qmath.F64)
        mb = qmath.div(sb, twice, qmath.F64)
        mo = qmath.div(twice, (so[0], so[1] + 20), qmath.F64)
    else:
        ma = qmath.div(sa, twice, qmath.F32)
        mb = qmath.div(sb, twice, qmath.F32)
        mo = qmath.div(twice, (so[0], so[1] + 20), qmath.F32)
    tables = []
    for t, m in ((a, ma), (b, mb)):
        mult, shift = _smaller_than_one(op, m)
        tables.append([mbqm((v - t.zero_point) << 20, mult, shift) for v in range(-128, 128)])
    mult, shift = _smaller_than_one(op, mo)
    amin, amax = activation_range(act, out.scale_bits, out.zero_point)
    return addsub_int8, (ctx.view(op.inputs[0]), ctx.view(op.inputs[1]), ctx.view(op.outputs[0]),
                         ia, ib, out.size, tables[0], tables[1], 1 if op.name == "ADD" else -1,
                         mult, shift, out.zero_point, amin, amax)


def prepare_mul(ctx, op):
    (a, b), (out,) = operands(ctx, op, 2)
    quantized_int8(op, a, b, out)
    act = ctx.fb.scalar(op.options, 0, "b", 0) if op.options else 0
    ia, ib = broadcast_indices(op, a.shape, b.shape, out.shape)
    real = qmath.div(qmath.mul(scale(a), scale(b), qmath.F64), scale(out), qmath.F64)
    mult, shift = qmath.quantize_multiplier(real)
    amin, amax = activation_range(act, out.scale_bits, out.zero_point)
    return mul_int8, (ctx.view(op.inputs[0]), ctx.view(op.inputs[1]), ctx.view(op.outputs[0]),
                      ia, ib, out.size, -a.zero_point, -b.zero_point, mult, shift,
                      out.zero_point, amin, amax)
