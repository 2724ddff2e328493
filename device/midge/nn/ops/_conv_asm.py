"""CONV_2D on this ARM core's asm_thumb matrix product (``midge.fast.ASM``; imported
only where it is set): ``pack_conv(kernel, args)`` takes ``conv.conv_int8``'s
arguments as ``_conv_viper.pack_conv`` does and falls back to it for what the
matrix product does not take (grouped convolutions, a shift outside -31..31);
``pack_one_channel_depthwise(args)`` runs a DEPTHWISE_CONV_2D of one input
channel (micro_speech's, MobileNet's first layer) as the CONV_2D it is.

A 1x1 stride-1 unpadded CONV_2D is the matrix product itself (pixels are rows).
Any other is im2col: ``gather`` (viper) copies the windows of up to CHUNK_BYTES
of pixels of an output row into a scratch buffer, each window's taps in the
filter's order (OHWI), taps outside the input set to the input zero point, and
the matrix product runs those rows against the filters. A tap at the zero point
adds nothing to sum((x + ioff) * w), so every window counts as whole and each
output channel's constant is ``bias + ioff * sum(w)``: the outputs equal the
plain kernel's whenever its int32 accumulator does not overflow.
"""

import micropython

from midge.nn.ops._fc_asm import _kernel, matmul_args
from midge.nn.ops._pack_viper import ints

CHUNK_BYTES = 1024
"""The scratch buffer: this many bytes of windows, or one window where it is larger."""


@micropython.viper
def gather(x, buf, w, out, g, mm):
    gp = ptr32(g)
    nb = gp[0]
    h = gp[1]
    wd = gp[2]
    c = gp[3]
    oh = gp[4]
    ow = gp[5]
    ocn = gp[6]
    fh = gp[7]
    fw = gp[8]
    sh = gp[10]
    sw = gp[11]
    dh = gp[12]
    dw = gp[13]
    ph = gp[14]
    pw = gp[15]
    zp = gp[17]
    chunk = gp[18]
    rows_at = gp[19]
    out_at = gp[20]
    mp = ptr32(mm)
    xb = int(ptr8(x))
    bb = int(ptr8(buf))
    run = fw * c
    o = 0
    b = 0
    while b < nb:
        oy = 0
        while oy < oh:
            iy0 = oy * sh - ph
            ox = 0
            while ox < ow:
                n = ow - ox
                if n > chunk:
                    n = chunk
                d = bb
                p = 0
                while p < n:
                    ix0 = (ox + p) * sw - pw
                    whole = dw == 1 and ix0 >= 0 and ix0 + fw <= wd
                    fy = 0
                    while fy < fh:
                        iy = iy0 + fy * dh
                        if iy < 0 or iy >= h:
                            e = d + run
                            while d < e:
                                ptr8(d)[0] = zp
                                d += 1
                        elif whole:
                            s = xb + ((b * h + iy) * wd + ix0) * c
                            e = d + run
                            while d < e:
                                ptr8(d)[0] = ptr8(s)[0]
                                d += 1
                                s += 1
                        else:
                            row = xb + (b * h + iy) * wd * c
                            fx = 0
                            while fx < fw:
                                ix = ix0 + fx * dw
                                e = d + c
                                if ix < 0 or ix >= wd:
                                    while d < e:
                                        ptr8(d)[0] = zp
                                        d += 1
                                else:
                                    s = row + ix * c
                                    while d < e:
                                        ptr8(d)[0] = ptr8(s)[0]
                                        d += 1
                                        s += 1
                                fx += 1
                        fy += 1
                    p += 1
                mp[rows_at] = n
                mp[out_at] = o
                _kernel.matmul(buf, w, out, mm)
                o += n * ocn
                ox += n
            oy += 1
        b += 1


def _im2col(x, w, out, const, mult, shift, geom, ioff, ooff, amin, amax):
    """(gather, its args) for a CONV_2D of one group, or None when the matrix product declines."""
    nb, h, wd, c, oh, ow, ocn, fh, fw = geom[:9]
    taps = fh * fw * c
    chunk = max(1, min(ow, CHUNK_BYTES // taps))
    found = matmul_args(None, w, out, const, mult, shift, chunk, taps, ocn, 0, ooff, amin, amax)
    if found is None:
        return None
    g = ints(tuple(geom) + (-ioff, chunk, _kernel.ROWS, _kernel.OUT_OFFSET))
    return gather, (x, bytearray(chunk * taps), w, out, g, found[1][3])


def pack_conv(kernel, args):
    """CONV_2D for the plain ``conv_int8`` arguments: the matrix product, else viper."""
    from midge.nn.ops._conv_viper import pack_conv as viper
    x, w, out, wtap, wfull, bias, mult, shift, geom, ioff, ooff, amin, amax = args
    nb, h, wd, c, oh, ow, ocn, fh, fw, fc, sh, sw, dh, dw, ph, pw, fpg = geom
    if fpg != ocn:
        return viper(kernel, args)
    const = [bias[i] + ioff * wfull[i] for i in range(ocn)]
    if fh == fw == sh == sw == 1 and ph == pw == 0 and (oh, ow) == (h, wd):
        found = matmul_args(x, w, out, const, mult, shift, nb * h * wd, c, ocn, 0, ooff, amin, amax)
    else:
        found = _im2col(x, w, out, const, mult, shift, geom, ioff, ooff, amin, amax)
    return found or viper(kernel, args)


def pack_one_channel_depthwise(args):
    """A DEPTHWISE_CONV_2D of one input channel (``conv.dwconv_int8``'s arguments) as the
    CONV_2D it is, its filters transposed to OHWI (a copy: taps x multiplier bytes);
    None for more channels or where the matrix product declines."""
    from array import array
    x, w, out, _, bias, mult, shift, geom, ioff, ooff, amin, amax = args
    nb, h, wd, c, oh, ow, ocn, fh, fw, dm, sh, sw, dh, dw, ph, pw = geom
    if c != 1:
        return None
    taps = fh * fw
    filters = array("b", bytes(ocn * taps))
    const = []
    for oc in range(ocn):
        total = 0
        for t in range(taps):
            filters[oc * taps + t] = w[t * ocn + oc]
            total += w[t * ocn + oc]
        const.append(bias[oc] + ioff * total)
    return _im2col(x, filters, out, const, mult, shift, (nb, h, wd, 1, oh, ow, ocn, fh, fw, 1, sh, sw, dh, dw, ph,
                                                          pw, ocn), ioff, ooff, amin, amax)
