"""Viper twin of midge.nn.ops.conv's DEPTHWISE_CONV_2D kernel (imported only
where viper works). ``pack_depthwise(kernel, args)`` as ``_conv_viper.pack_conv``;
the same exactness contract. It accumulates ``(xu + ioff - 128) * w`` per
channel (xu = x + 128), the offset folded into the starting value when every
tap is valid.
"""

import micropython

from midge.nn.ops._pack_viper import channel_params, ints


@micropython.viper
def dwconv(xa: int, wa: int, x: ptr8, w: ptr8, out: ptr8, q: ptr32, accs: ptr32, g: ptr32):
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
    sh = g[10]
    sw = g[11]
    dh = g[12]
    dw = g[13]
    ph = g[14]
    pw = g[15]
    dm = g[9]
    cz = (g[16] << ext) >> ext
    ooff = (g[17] << ext) >> ext
    amin = (g[18] << ext) >> ext
    amax = (g[19] << ext) >> ext
    xstep = dw * c
    ystep = dh * wd * c
    abase = int(accs)
    ae = abase + (ocn << 2)
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
                # accumulators start at bias + (ioff - 128) * sum(w) when every
                # tap is valid (then a MAC is xu * w); else at the bias, and a
                # MAC is (xu + ioff - 128) * w
                zx = cz
                po = 7
                if fy0 == 0 and fx0 == 0 and fy1 == fh and fx1 == fw:
                    zx = 0
                    po = 0
                aa = abase
                qa = int(q)
                while aa < ae:
                    ptr32(aa)[0] = ptr32(qa)[po]
                    aa += 4
                    qa += 32
                xr = int(x) + ((b * h + iy0 + dh * fy0) * wd + ix0 + dw * fx0) * c
                wr = int(w) + (fy0 * fw + fx0) * ocn
                fy = fy0
                while fy < fy1:
                    xt = xr
                    wt = wr
                    fx = fx0
                    while fx < fx1:
                        xa = xt
                        wa = wt
                        aa = abase
                        if dm == 1:
                            xe = xa + c - 3
                            while xa < xe:
                                a = ptr32(aa)
                                a[0] += ((ptr8(xa)[0] ^ 0x80) + zx) * ((ptr8(wa)[0] ^ 0x80) - 0x80)
                                a[1] += ((ptr8(xa)[1] ^ 0x80) + zx) * ((ptr8(wa)[1] ^ 0x80) - 0x80)
                                a[2] += ((ptr8(xa)[2] ^ 0x80) + zx) * ((ptr8(wa)[2] ^ 0x80) - 0x80)
                                a[3] += ((ptr8(xa)[3] ^ 0x80) + zx) * ((ptr8(wa)[3] ^ 0x80) - 0x80)
                                xa += 4
                                wa += 4
                                aa += 16
                            xe += 3
                            while xa < xe:
                                ptr32(aa)[0] += ((ptr8(xa)[0] ^ 0x80) + zx) * ((ptr8(wa)[0] ^ 0x80) - 0x80)
                                xa += 1
                                wa += 1
                                aa += 4
                        else:
                            xe = xa + c
                            while xa < xe:
                                xv = (ptr8(xa)[0] ^ 0x80) + zx
                                we = wa + dm
                                while wa < we:
                                    ptr32(aa)[0] += xv * ((ptr8(wa)[0] ^ 0x80) - 0x80)
                                    wa += 1
                                    aa += 4
                                xa += 1
                        xt += xstep
                        wt += ocn
                        fx += 1
                    xr += ystep
                    wr += fw * ocn
                    fy += 1
                aa = abase
                p = ptr32(int(q))
                while aa < ae:
                    acc = ptr32(aa)[0]
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
                    aa += 4
                    p = ptr32(int(p) + 32)
                ox += 1
            oy += 1
        b += 1


def pack_depthwise(kernel, args):
    """Viper DEPTHWISE_CONV_2D for the plain ``dwconv_int8`` arguments."""
    x, w, out, acc, bias, mult, shift, geom, ioff, ooff, amin, amax = args
    ocn = geom[6]
    taps = geom[7] * geom[8]
    cz = ioff - 128
    corr = []
    for oc in range(ocn):
        s = 0
        for t in range(taps):
            s += w[t * ocn + oc]
        corr.append(bias[oc] + cz * s)
    q = channel_params(corr, bias, mult, shift)
    if q is None:
        return kernel, args
    return dwconv, (0, 0, x, w, out, q, ints(acc), ints(geom + (cz, ooff, amin, amax)))
