"""Viper twin of midge.nn.ops.conv's CONV_2D kernel (imported only where viper
works; DEPTHWISE_CONV_2D's is in ``_dwconv_viper``, so a model loads only the
one it uses).

``pack_conv(kernel, args)`` takes the plain kernel and its argument tuple and
returns a viper kernel with packed arguments (or the plain pair when
``channel_params`` declines the op); a 1x1 stride-1 unpadded CONV_2D runs as
``_fc_viper.matmul``. Same exactness contract as ``_fc_viper``: equal to the
plain kernel whenever the int32 accumulator does not overflow.

MACs multiply unsigned loads with one xor each: CONV_2D's acc is
``sum(xu*wu) - 128*sum(xu) + bias + (ioff - 128)*sum(w)`` over the valid taps
(xu = x + 128, wu = w + 128), the input sum shared by the output channels of
a group.
"""

import micropython

from midge.nn.ops._fc_viper import matmul_args
from midge.nn.ops._pack_viper import channel_params, ints


@micropython.viper
def conv(xa: int, wa: int, x: ptr8, w: ptr8, out: ptr8, q: ptr32, wtap: ptr32, g: ptr32):
    one = 1
    ext = 0
    if (one << 31) > 0:
        ext = 32
    nb = g[0]
    h = g[1]
    wd = g[2]
    c = g[3]
    oh = g[4]
    ow = g[5]
    ocn = g[6]
    fh = g[7]
    fw = g[8]
    fc = g[9]
    sh = g[10]
    sw = g[11]
    dh = g[12]
    dw = g[13]
    ph = g[14]
    pw = g[15]
    fpg = g[16]
    cz = (g[17] << ext) >> ext
    ooff = (g[18] << ext) >> ext
    amin = (g[19] << ext) >> ext
    amax = (g[20] << ext) >> ext
    merged = dw == 1 and fpg == ocn
    xstep = dw * c
    ystep = dh * wd * c
    wbase = int(w)
    ob = int(out)
    b = 0
    while b < nb:
        oy = 0
        while oy < oh:
            iy0 = oy * sh - ph
            fy0 = 0
            if iy0 < 0:
                fy0 = (dh - 1 - iy0) // dh
            fy1 = (h - iy0 + dh - 1) // dh
            if fy1 > fh:
                fy1 = fh
            ox = 0
            while ox < ow:
                ix0 = ox * sw - pw
                fx0 = 0
                if ix0 < 0:
                    fx0 = (dw - 1 - ix0) // dw
                fx1 = (wd - ix0 + dw - 1) // dw
                if fx1 > fw:
                    fx1 = fw
                full = fy0 == 0 and fx0 == 0 and fy1 == fh and fx1 == fw
                runs = fx1 - fx0
                run = fc
                if merged:
                    runs = 1
                    run = (fx1 - fx0) * c
                x0 = int(x) + ((b * h + iy0 + dh * fy0) * wd + ix0 + dw * fx0) * c
                gsum = 0
                ing = fpg
                xg = x0 - fc
                oc = 0
                while oc < ocn:
                    if ing == fpg:
                        # a new group: the sum of its input window
                        ing = 0
                        xg += fc
                        gsum = 0
                        xr = xg
                        fy = fy0
                        while fy < fy1:
                            t = 0
                            while t < runs:
                                xa = xr + t * xstep
                                xe = xa + run
                                while xa < xe:
                                    gsum += ptr8(xa)[0] ^ 0x80
                                    xa += 1
                                t += 1
                            xr += ystep
                            fy += 1
                        gsum = gsum << 7
                    ing += 1
                    acc = 0
                    xr = xg
                    wr = wbase + ((oc * fh + fy0) * fw + fx0) * fc
                    fy = fy0
                    while fy < fy1:
                        t = 0
                        while t < runs:
                            xa = xr + t * xstep
                            wa = wr + t * fc
                            xe = xa + run - 3
                            while xa < xe:
                                acc += ((ptr8(xa)[0] ^ 0x80) * (ptr8(wa)[0] ^ 0x80)
                                        + (ptr8(xa)[1] ^ 0x80) * (ptr8(wa)[1] ^ 0x80)
                                        + (ptr8(xa)[2] ^ 0x80) * (ptr8(wa)[2] ^ 0x80)
                                        + (ptr8(xa)[3] ^ 0x80) * (ptr8(wa)[3] ^ 0x80))
                                xa += 4
                                wa += 4
                            xe += 3
                            while xa < xe:
                                acc += (ptr8(xa)[0] ^ 0x80) * (ptr8(wa)[0] ^ 0x80)
                                xa += 1
                                wa += 1
                            t += 1
                        xr += ystep
                        wr += fw * fc
                        fy += 1
                    p = ptr32(int(q) + (oc << 5))
                    acc -= gsum
                    if full:
                        acc += p[0]
                    else:
                        corr = 0
                        fy = fy0
                        while fy < fy1:
                            tap = (oc * fh + fy) * fw
                            fx = fx0
                            while fx < fx1:
                                corr += wtap[tap + fx]
                                fx += 1
                            fy += 1
                        acc += p[7] + cz * corr
                    # requantize (see _pack_viper): int32 wrap and left shift, high
                    # multiply from 16-bit halves, rounding right shift, clamp
                    acc = (acc << (p[3] + ext)) >> ext
                    m0 = p[1]
                    m1 = p[2]
                    a0 = acc & 0xFFFF
                    a1 = acc >> 16
                    hi = a1 * m0
                    lo = a0 * m1
                    acc = (((a1 * m1) << 1) + (hi >> 15) + (lo >> 15)
                           + (((hi & 0x7FFF) + (lo & 0x7FFF) + (((a0 * m0) >> 16) & 0xFFFF) + 0x4000) >> 15))
                    th = p[6] - (acc >> 31)
                    acc = (acc >> p[4]) - ((th - (acc & p[5])) >> 31) + ooff
                    if acc < amin:
                        acc = amin
                    elif acc > amax:
                        acc = amax
                    ptr8(ob)[0] = acc
                    ob += 1
                    oc += 1
                ox += 1
            oy += 1
        b += 1


def pack_conv(kernel, args):
    """Viper CONV_2D for the plain ``conv_int8`` arguments."""
    x, w, out, wtap, wfull, bias, mult, shift, geom, ioff, ooff, amin, amax = args
    cz = ioff - 128
    nb, h, wd, c, oh, ow, ocn, fh, fw, fc, sh, sw, dh, dw, ph, pw, fpg = geom
    if fh == fw == sh == sw == 1 and ph == pw == 0 and fpg == ocn and (oh, ow) == (h, wd):
        const = [bias[i] + ioff * wfull[i] for i in range(ocn)]
        return matmul_args(x, w, out, const, mult, shift, nb * h * wd, c, ocn, 0,
                           ooff, amin, amax) or (kernel, args)
    q = channel_params([bias[i] + cz * wfull[i] for i in range(ocn)], bias, mult, shift)
    if q is None:
        return kernel, args
    return conv, (0, 0, x, w, out, q, wtap if wtap is not None else ints(()),
                  ints(geom + (cz, ooff, amin, amax)))
