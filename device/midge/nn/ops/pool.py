"""AVERAGE_POOL_2D, MAX_POOL_2D and MEAN (int8), as TFLM's reference kernels."""

from midge import fast
from midge.nn import qmath
from midge.nn.ops.common import (compute_padding, fail, operands, quantized_int8, require_rank,
                                  same_quant, scale, const_ints)
from midge.nn.qmath import activation_range, mbqm


def pack_pool(kernel, args):
    """The viper twin where viper works (its module is loaded by the first model that needs it)."""
    if fast.VIPER:
        from midge.nn.ops._pool_viper import pack_pool as pack
        return pack(kernel, args)
    return kernel, args


def pack_mean(kernel, args):
    if fast.VIPER:
        from midge.nn.ops._pool_viper import pack_mean as pack
        return pack(kernel, args)
    return kernel, args


def pool_int8(x, out, geom, is_max, amin, amax):
    """NHWC int8 average or max pooling; averages round half away from zero."""
    nb, h, wd, c, oh, ow, fh, fw, sh, sw, ph, pw = geom
    o = 0
    for b in range(nb):
        for oy in range(oh):
            iy0 = oy * sh - ph
            fy0 = -iy0 if iy0 < 0 else 0
            fy1 = h - iy0 if h - iy0 < fh else fh
            for ox in range(ow):
                ix0 = ox * sw - pw
                fx0 = -ix0 if ix0 < 0 else 0
                fx1 = wd - ix0 if wd - ix0 < fw else fw
                count = (fy1 - fy0) * (fx1 - fx0)
                for ch in range(c):
                    acc = -128 if is_max else 0
                    for fy in range(fy0, fy1):
                        base = ((b * h + iy0 + fy) * wd + ix0) * c + ch
                        for fx in range(fx0, fx1):
                            v = x[base + fx * c]
                            if is_max:
                                if v > acc:
                                    acc = v
                            else:
                                acc += v
                    if not is_max:
                        if acc > 0:
                            acc = (acc + count // 2) // count
                        else:
                            acc = -((count // 2 - acc) // count)
                    out[o] = amin if acc < amin else (amax if acc > amax else acc)
                    o += 1


def prepare_pool(ctx, op):
    opt = op.options
    if not opt:
        raise fail(op, "options are missing")
    (inp,), (out,) = operands(ctx, op, 1)
    quantized_int8(op, inp, out)
    require_rank(op, inp, 4)
    require_rank(op, out, 4)
    same_quant(op, inp, out)
    padding = opt.scalar(0, "b", 0)
    sw, sh = opt.scalar(1, "i", 0), opt.scalar(2, "i", 0)
    fw, fh = opt.scalar(3, "i", 0), opt.scalar(4, "i", 0)
    act = opt.scalar(5, "b", 0)
    nb, h, wd, c = inp.shape
    if out.shape[0] != nb or out.shape[3] != c:
        raise fail(op, "output shape %s does not match input %s" % (list(out.shape), list(inp.shape)))
    oh, ow = out.shape[1], out.shape[2]
    ph = compute_padding(op, padding, h, fh, sh, 1, oh)
    pw = compute_padding(op, padding, wd, fw, sw, 1, ow)
    if oh and ow and (ph >= fh or pw >= fw):
        raise fail(op, "padding leaves a pooling window empty")
    amin, amax = activation_range(act, out.scale_bits, out.zero_point)
    return pack_pool(pool_int8, (ctx.view(op.inputs[0]), ctx.view(op.outputs[0]),
                                 (nb, h, wd, c, oh, ow, fh, fw, sh, sw, ph, pw), op.name == "MAX_POOL_2D",
                                 amin, amax))


def mean_int8(x, out, n, geom, sums, count, izp, mult, shift, ozp):
    """Sum the ``n`` int8 values of ``x`` into ``sums`` (one per output value), then requantize.

    ``geom`` is ``(shape, strides, index)``: the input shape, each input axis's
    stride in ``sums`` (0 along reduced axes) and a scratch multi-index; the
    input is walked in row-major order, so no per-element table is needed."""
    shape, strides, index = geom
    rank = len(shape)
    for i in range(len(sums)):
        sums[i] = 0
    inner = shape[rank - 1]
    step = strides[rank - 1]
    k = t = 0
    if inner:
        for d in range(rank):
            index[d] = 0
        for _ in range(n // inner):
            p = t
            for _ in range(inner):
                sums[p] += x[k]
                k += 1
                p += step
            d = rank - 2
            while d >= 0:
                index[d] += 1
                t += strides[d]
                if index[d] < shape[d]:
                    break
                t -= strides[d] * shape[d]
                index[d] = 0
                d -= 1
    for i in range(len(sums)):
        v = mbqm(sums[i] - izp * count, mult, shift) + ozp
        out[i] = -128 if v < -128 else (127 if v > 127 else v)


def prepare_mean(ctx, op):
    (inp, axis_t), (out,) = operands(ctx, op, 2)
    quantized_int8(op, inp, out)
    rank = len(inp.shape)
    axes = []
    for a in const_ints(op, axis_t):
        a = a + rank if a < 0 else a
        if not 0 <= a < rank:
            raise fail(op, "axis %d is out of range for rank %d" % (a, rank))
        if a not in axes:
            axes.append(a)
    shape = tuple(inp.shape) or (1,)
    rank = len(shape)
    count = 1
    for a in axes:
        count *= shape[a]
    if not count:
        raise fail(op, "cannot average over an empty axis")
    strides = [0] * rank
    stride = 1
    for i in range(rank - 1, -1, -1):
        if i not in axes:
            strides[i] = stride
            stride *= shape[i]
    if out.size != stride:
        raise fail(op, "output has %d values, expected %d" % (out.size, stride))
    mult, shift = qmath.quantize_multiplier(qmath.div(scale(inp), scale(out), qmath.F64))
    adjust = min(qmath.bitlen(count) - 1, 32, 31 + shift)
    mult = (mult << adjust) // count
    shift -= adjust
    return pack_mean(mean_int8, (ctx.view(op.inputs[0]), ctx.view(op.outputs[0]), inp.size,
                                 (shape, tuple(strides), [0] * rank), [0] * out.size,
                                 count, inp.zero_point, mult, shift, out.zero_point))
