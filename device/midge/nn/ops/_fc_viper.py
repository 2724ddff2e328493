"""Viper twin of midge.nn.ops.fc's int8 kernel (imported only where viper works);
its ``matmul`` also runs 1x1 stride-1 unpadded CONV_2D.

``pack_fc(kernel, args)`` takes the plain ``fc_int8`` and its arguments and
returns the viper kernel with packed arguments (or the plain pair when
``channel_params`` declines the op). The output equals the plain kernel's
whenever the int32 accumulator does not overflow, which holds for every
model TFLM runs; viper computes modulo 2**32 and wraps like C, identically
on 32-bit boards and the 64-bit unix port.

Bytes load unsigned, so a MAC multiplies ``xu = x + 128`` by ``wu = w + 128``
(one xor each): the plain ``sum(w*x) + const + woff*sum(x)`` is
``sum(xu*wu) + (woff - 128)*sum(xu) + K`` with
``K = const - 128*sum(w) - 128*woff*depth`` per unit, folded at load time.
"""

import micropython

from midge.nn.ops._pack_viper import channel_params, ints


@micropython.viper
def matmul(xa: int, wa: int, x: ptr8, w: ptr8, out: ptr8, q: ptr32, g: ptr32):
    one = 1
    ext = 0
    if (one << 31) > 0:
        ext = 32
    batches = g[0]
    depth = g[1]
    units = g[2]
    woff = (g[3] << ext) >> ext
    ooff = (g[4] << ext) >> ext
    amin = (g[5] << ext) >> ext
    amax = (g[6] << ext) >> ext
    xb = int(x)
    ob = int(out)
    b = 0
    while b < batches:
        xsum = 0
        xa = xb
        xe = xb + depth
        while xa < xe:
            xsum += ptr8(xa)[0] ^ 0x80
            xa += 1
        xsum = (woff - 128) * xsum
        wr = int(w)
        qa = int(q)
        oe = ob + units
        while ob < oe:
            acc = 0
            xa = xb
            wa = wr
            xe = xb + depth - 3
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
            p = ptr32(qa)
            acc += xsum + p[0]
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
            qa += 32
            wr += depth
        xb += depth
        b += 1


def matmul_args(x, w, out, const, mult, shift, batches, depth, units, woff, ooff, amin, amax):
    """``(matmul, args)`` for ``fc_int8``'s arguments; None when ``channel_params`` declines."""
    corr = []
    for u in range(units):
        s = 0
        base = u * depth
        for d in range(depth):
            s += w[base + d]
        corr.append(const[u] - 128 * s - 128 * woff * depth)
    q = channel_params(corr, corr, mult, shift)
    if q is None:
        return None
    return matmul, (0, 0, x, w, out, q, ints((batches, depth, units, woff, ooff, amin, amax)))


def pack_fc(kernel, args):
    """Viper FULLY_CONNECTED for the plain ``fc_int8`` arguments."""
    return matmul_args(*args) or (kernel, args)
