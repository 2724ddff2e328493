"""ADD, SUB and MUL (int8, with broadcasting), as TFLM's reference kernels.

ADD/SUB rescale each input with its own multiplier after a left shift of 20;
since an int8 input has only 256 values, those rescaled values are tabulated
once at load time, leaving one requantization per output element.

Broadcasting walks the output in row-major order and steps each input's
position by its own strides (0 along a broadcast axis), so no index table of
the output's size is built. ``geom`` is ``(shape, astrides, bstrides, index)``:
the output shape (at least 1-D), the inputs' element strides per output axis,
and a scratch list the kernels use as the multi-index; elementwise ops are the
1-D case ``((n,), (1,), (1,), [0])``.
"""

from array import array

from midge import fast
from midge.nn import qmath
from midge.nn.ops.common import fail, operands, quantized_int8, scale
from midge.nn.qmath import activation_range, mbqm


def pack_addsub(kernel, args):
    """The viper twin where viper works (its module is loaded by the first model that needs it)."""
    if fast.VIPER:
        from midge.nn.ops._elementwise_viper import pack_addsub as pack
        return pack(kernel, args)
    return kernel, args


def pack_mul(kernel, args):
    if fast.VIPER:
        from midge.nn.ops._elementwise_viper import pack_mul as pack
        return pack(kernel, args)
    return kernel, args


def addsub_int8(a, b, out, geom, ta, tb, sign, mult, shift, ooff, amin, amax):
    """out = requant(ta[a + 128] +/- tb[b + 128]) over the broadcast ``geom``."""
    shape, sa, sb, index = geom
    rank = len(shape)
    inner = shape[rank - 1]
    ia = ib = o = 0
    if inner == 0:
        return
    for d in range(rank):
        index[d] = 0
    for _ in range(len(out) // inner):
        pa = ia
        pb = ib
        step_a = sa[rank - 1]
        step_b = sb[rank - 1]
        for _ in range(inner):
            va = ta[a[pa] + 128]
            vb = tb[b[pb] + 128]
            v = mbqm(va + vb if sign > 0 else va - vb, mult, shift) + ooff
            out[o] = amin if v < amin else (amax if v > amax else v)
            o += 1
            pa += step_a
            pb += step_b
        d = rank - 2
        while d >= 0:
            index[d] += 1
            ia += sa[d]
            ib += sb[d]
            if index[d] < shape[d]:
                break
            ia -= sa[d] * shape[d]
            ib -= sb[d] * shape[d]
            index[d] = 0
            d -= 1


def mul_int8(a, b, out, geom, aoff, boff, mult, shift, ooff, amin, amax):
    """out = requant((a + aoff) * (b + boff)) over the broadcast ``geom``."""
    shape, sa, sb, index = geom
    rank = len(shape)
    inner = shape[rank - 1]
    ia = ib = o = 0
    if inner == 0:
        return
    for d in range(rank):
        index[d] = 0
    for _ in range(len(out) // inner):
        pa = ia
        pb = ib
        step_a = sa[rank - 1]
        step_b = sb[rank - 1]
        for _ in range(inner):
            v = mbqm((a[pa] + aoff) * (b[pb] + boff), mult, shift) + ooff
            out[o] = amin if v < amin else (amax if v > amax else v)
            o += 1
            pa += step_a
            pb += step_b
        d = rank - 2
        while d >= 0:
            index[d] += 1
            ia += sa[d]
            ib += sb[d]
            if index[d] < shape[d]:
                break
            ia -= sa[d] * shape[d]
            ib -= sb[d] * shape[d]
            index[d] = 0
            d -= 1


def broadcast_geometry(op, sa, sb, so):
    """The kernels' ``geom`` for input shapes sa, sb and output shape so; checks them."""
    rank = len(so)
    pa = (1,) * (rank - len(sa)) + tuple(sa)
    pb = (1,) * (rank - len(sb)) + tuple(sb)
    if len(pa) != rank or len(pb) != rank:
        raise fail(op, "shapes %s and %s do not broadcast to %s" % (list(sa), list(sb), list(so)))
    for i in range(rank):
        want = pa[i] if pb[i] == 1 else pb[i]
        if (pa[i] != pb[i] and pa[i] != 1 and pb[i] != 1) or so[i] != want:
            raise fail(op, "shapes %s and %s do not broadcast to %s" % (list(sa), list(sb), list(so)))
    if pa == pb:
        n = 1
        for d in so:
            n *= d
        return (n,), (1,), (1,), [0]
    stra, strb = [0] * rank, [0] * rank
    s1 = s2 = 1
    for i in range(rank - 1, -1, -1):
        stra[i] = s1 if pa[i] != 1 else 0
        strb[i] = s2 if pb[i] != 1 else 0
        s1 *= pa[i]
        s2 *= pb[i]
    return tuple(so), tuple(stra), tuple(strb), [0] * rank


def _smaller_than_one(op, value):
    m, s = qmath.quantize_multiplier(value)
    if s > 0 or not m:
        raise fail(op, "rescaling multiplier must be between zero and one")
    return m, s


def prepare_addsub(ctx, op):
    (a, b), (out,) = operands(ctx, op, 2)
    quantized_int8(op, a, b, out)
    act = op.options.scalar(0, "b", 0) if op.options else 0
    geom = broadcast_geometry(op, a.shape, b.shape, out.shape)
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
        # |(v - zp) << 20| < 2**28 and the multiplier is below one: fits int32
        tables.append(array("i", [mbqm((v - t.zero_point) << 20, mult, shift) for v in range(-128, 128)]))
    mult, shift = _smaller_than_one(op, mo)
    amin, amax = activation_range(act, out.scale_bits, out.zero_point)
    return pack_addsub(addsub_int8, (ctx.view(op.inputs[0]), ctx.view(op.inputs[1]), ctx.view(op.outputs[0]),
                                     geom, tables[0], tables[1], 1 if op.name == "ADD" else -1,
                                     mult, shift, out.zero_point, amin, amax))


def prepare_mul(ctx, op):
    (a, b), (out,) = operands(ctx, op, 2)
    quantized_int8(op, a, b, out)
    act = op.options.scalar(0, "b", 0) if op.options else 0
    geom = broadcast_geometry(op, a.shape, b.shape, out.shape)
    real = qmath.div(qmath.mul(scale(a), scale(b), qmath.F64), scale(out), qmath.F64)
    mult, shift = qmath.quantize_multiplier(real)
    amin, amax = activation_range(act, out.scale_bits, out.zero_point)
    return pack_mul(mul_int8, (ctx.view(op.inputs[0]), ctx.view(op.inputs[1]), ctx.view(op.outputs[0]),
                               geom, -a.zero_point, -b.zero_point, mult, shift,
                               out.zero_point, amin, amax))
