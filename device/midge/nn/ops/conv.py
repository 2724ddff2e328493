"""CONV_2D and DEPTHWISE_CONV_2D (int8, per-channel), as TFLM's reference kernels.

Kernels are module-level functions over preallocated buffers (no allocation
per invoke) so that a viper twin can replace them. Filter taps [t0, t1) are
those whose input row/column lies inside the image. The input zero point is folded into per-tap weight
sums, so the inner loop is a plain multiply-accumulate.
"""

from midge import fast
from midge.bits import zeros
from midge.nn.model import INT32
from midge.nn.ops.common import (as_plain, compute_padding, fail, operands, per_channel_multipliers,
                                  quantized_int8, require_const, require_rank, require_type,
                                  ints_of)
from midge.nn.qmath import activation_range, mbqm



def _packer(depthwise):
    """The viper packer of CONV_2D or DEPTHWISE_CONV_2D, each in its own module
    (a model loads only what it uses), the ARM core's asm_thumb one where
    ``fast.ASM`` names it, or ``as_plain`` without viper."""
    if not fast.VIPER:
        return as_plain
    if depthwise and fast.ASM:
        from midge.nn.ops._dwconv_asm import pack_depthwise
        return pack_depthwise
    if depthwise:
        from midge.nn.ops._dwconv_viper import pack_depthwise
        return pack_depthwise
    if fast.ASM:
        from midge.nn.ops._conv_asm import pack_conv
        return pack_conv
    from midge.nn.ops._conv_viper import pack_conv
    return pack_conv


def conv_int8(x, w, out, wtap, wfull, bias, mult, shift, geom, ioff, ooff, amin, amax):
    """NHWC int8 convolution with OHWI int8 filter; writes ``out``. ``wtap``: the
    per-tap weight sums, read only for windows reaching outside the input (None
    when none does)."""
    nb, h, wd, c, oh, ow, ocn, fh, fw, fc, sh, sw, dh, dw, ph, pw, fpg = geom
    o = 0
    for b in range(nb):
        for oy in range(oh):
            iy0 = oy * sh - ph
            fy0 = 0 if iy0 >= 0 else (dh - 1 - iy0) // dh
            fy1 = (h - iy0 + dh - 1) // dh
            if fy1 > fh:
                fy1 = fh
            for ox in range(ow):
                ix0 = ox * sw - pw
                fx0 = 0 if ix0 >= 0 else (dw - 1 - ix0) // dw
                fx1 = (wd - ix0 + dw - 1) // dw
                if fx1 > fw:
                    fx1 = fw
                full = fy0 == 0 and fx0 == 0 and fy1 == fh and fx1 == fw
                for oc in range(ocn):
                    cb = (oc // fpg) * fc
                    acc = 0
                    corr = 0
                    for fy in range(fy0, fy1):
                        xrow = ((b * h + iy0 + dh * fy) * wd + ix0) * c + cb
                        wrow = (oc * fh + fy) * fw
                        for fx in range(fx0, fx1):
                            xo = xrow + dw * fx * c
                            wo = (wrow + fx) * fc
                            for k in range(fc):
                                acc += w[wo + k] * x[xo + k]
                            if not full:
                                corr += wtap[wrow + fx]
                    acc += bias[oc] + ioff * (wfull[oc] if full else corr)
                    acc = mbqm(acc, mult[oc], shift[oc]) + ooff
                    out[o] = amin if acc < amin else (amax if acc > amax else acc)
                    o += 1


def dwconv_int8(x, w, out, acc, bias, mult, shift, geom, ioff, ooff, amin, amax):
    """NHWC int8 depthwise convolution with 1HWC filter; ``acc`` is scratch of OC ints."""
    nb, h, wd, c, oh, ow, ocn, fh, fw, dm, sh, sw, dh, dw, ph, pw = geom
    o = 0
    for b in range(nb):
        for oy in range(oh):
            iy0 = oy * sh - ph
            fy0 = 0 if iy0 >= 0 else (dh - 1 - iy0) // dh
            fy1 = (h - iy0 + dh - 1) // dh
            if fy1 > fh:
                fy1 = fh
            for ox in range(ow):
                ix0 = ox * sw - pw
                fx0 = 0 if ix0 >= 0 else (dw - 1 - ix0) // dw
                fx1 = (wd - ix0 + dw - 1) // dw
                if fx1 > fw:
                    fx1 = fw
                for i in range(ocn):
                    acc[i] = bias[i]
                for fy in range(fy0, fy1):
                    xrow = ((b * h + iy0 + dh * fy) * wd + ix0) * c
                    for fx in range(fx0, fx1):
                        xo = xrow + dw * fx * c
                        wo = (fy * fw + fx) * ocn
                        if dm == 1:
                            for i in range(ocn):
                                acc[i] += w[wo + i] * (x[xo + i] + ioff)
                        else:
                            for i in range(ocn):
                                acc[i] += w[wo + i] * (x[xo + i // dm] + ioff)
                for i in range(ocn):
                    v = mbqm(acc[i], mult[i], shift[i]) + ooff
                    out[o] = amin if v < amin else (amax if v > amax else v)
                    o += 1


def _common(ctx, op, depthwise):
    opt = op.options
    if not opt:
        raise fail(op, "options are missing")
    (inp, flt, bias), (out,) = operands(ctx, op, 3, 1, optional=1)
    quantized_int8(op, inp, flt, out)
    for t in (inp, flt, out):
        require_rank(op, t, 4)
    w = require_const(op, flt)
    padding = opt.scalar(0, "b", 0)
    sw, sh = opt.scalar(1, "i", 0), opt.scalar(2, "i", 0)
    if depthwise:
        act = opt.scalar(4, "b", 0)
        dw, dh = opt.scalar(5, "i", 1), opt.scalar(6, "i", 1)
    else:
        act = opt.scalar(3, "b", 0)
        dw, dh = opt.scalar(4, "i", 1), opt.scalar(5, "i", 1)
    nb, h, wd, c = inp.shape
    onb, oh, ow, ocn = out.shape
    fh, fw = flt.shape[1], flt.shape[2]
    if onb != nb:
        raise fail(op, "batch sizes of input and output differ")
    ph = compute_padding(op, padding, h, fh, sh, dh, oh)
    pw = compute_padding(op, padding, wd, fw, sw, dw, ow)
    if bias is not None:
        require_type(op, bias, INT32)
        if bias.size != ocn:
            raise fail(op, "bias has %d values for %d channels" % (bias.size, ocn))
        bias_values = ints_of(require_const(op, bias), ocn)
    else:
        bias_values = [0] * ocn
    mult, shift = per_channel_multipliers(op, inp, flt, out, ocn)
    amin, amax = activation_range(act, out.scale_bits, out.zero_point)
    return (inp, flt, out, w, bias_values, mult, shift, amin, amax,
            (nb, h, wd, c, oh, ow, ocn, fh, fw, sh, sw, dh, dw, ph, pw))


def reaches_outside(geom):
    """Whether some output's window of CONV_2D ``geom`` reaches outside the input
    (the kernels then sum the weights of its valid taps from ``wtap``)."""
    h, wd, oh, ow, fh, fw = geom[1], geom[2], geom[4], geom[5], geom[7], geom[8]
    sh, sw, dh, dw, ph, pw = geom[10:16]
    return (ph > 0 or pw > 0 or (oh - 1) * sh - ph + (fh - 1) * dh >= h
            or (ow - 1) * sw - pw + (fw - 1) * dw >= wd)


def prepare_conv(ctx, op):
    inp, flt, out, w, bias, mult, shift, amin, amax, g = _common(ctx, op, False)
    nb, h, wd, c, oh, ow, ocn, fh, fw, sh, sw, dh, dw, ph, pw = g
    if flt.shape[0] != ocn:
        raise fail(op, "filter has %d output channels, output has %d" % (flt.shape[0], ocn))
    fc = flt.shape[3]
    if fc <= 0 or c % fc or ocn % (c // fc):
        raise fail(op, "input depth %d does not split into groups of filter depth %d" % (c, fc))
    fpg = ocn // (c // fc)
    geom = (nb, h, wd, c, oh, ow, ocn, fh, fw, fc, sh, sw, dh, dw, ph, pw, fpg)
    taps = fh * fw
    # per-tap weight sums (int32: at most 128 * fc), only where a window can be partial
    wtap = zeros("i", ocn * taps) if reaches_outside(geom) else None
    wfull = [0] * ocn
    for t in range(ocn * taps):
        s = 0
        base = t * fc
        for k in range(fc):
            s += w[base + k]
        if wtap is not None:
            wtap[t] = s
        wfull[t // taps] += s
    return _packer(False)(conv_int8, (ctx.view(op.inputs[0]), w, ctx.view(op.outputs[0]), wtap, wfull, bias,
                                 mult, shift, geom, -inp.zero_point, out.zero_point, amin, amax))


def prepare_depthwise(ctx, op):
    inp, flt, out, w, bias, mult, shift, amin, amax, g = _common(ctx, op, True)
    nb, h, wd, c, oh, ow, ocn, fh, fw, sh, sw, dh, dw, ph, pw = g
    if flt.shape[0] != 1 or flt.shape[3] != ocn or c <= 0 or ocn % c:
        raise fail(op, "filter shape %s does not fit input depth %d and output depth %d"
                   % (list(flt.shape), c, ocn))
    geom = (nb, h, wd, c, oh, ow, ocn, fh, fw, ocn // c, sh, sw, dh, dw, ph, pw)
    return _packer(True)(dwconv_int8, (ctx.view(op.inputs[0]), w, ctx.view(op.outputs[0]), [0] * ocn,
                                        bias, mult, shift, geom, -inp.zero_point, out.zero_point,
                                        amin, amax))
