"""Viper twins of midge.nn.ops.elementwise's kernels (imported only where viper works).

``pack_addsub(kernel, args)`` / ``pack_mul(kernel, args)`` take the plain
``addsub_int8`` / ``mul_int8`` and their arguments and return a viper kernel with
packed arguments (or the plain pair for a MUL whose left shift exceeds 31, which
``channel_params`` declines). The outputs equal the plain kernels' for every
input, with 32-bit machine ints (boards) and 64-bit ones (the x64 unix port),
and the kernels allocate nothing.

Both walk the output in row-major order as the plain kernels do: ``dims`` holds
4 ints per output axis (size, a's stride, b's stride, the multi-index), the last
axis is the inner loop and the others advance the multi-index. Bytes load
unsigned (``xu = x ^ 0x80 = x + 128``).

ADD/SUB: ``t`` holds a's table (rescaled ``(x - zp) << 20`` per input value, as
the plain kernel's ``ta``) then b's, negated for SUB, so the raw sum is
``t[au] + t[256 + bu]`` (below 2**29 in magnitude). MUL: the raw product is
``(au + ka) * (bu + kb)`` with ``k = -zp - 128``. Each is requantized as in
``_fc_viper`` (see ``_pack_viper``: int32 wrap and left shift, the high multiply
from 16-bit halves, the rounding right shift) and clamped to the activation
range less the output zero point before adding it, so no step leaves int32.
"""

import micropython
from array import array

from midge.bits import zeros
from midge.nn.ops._pack_viper import channel_params, ints


@micropython.viper
def addsub(pa: int, pb: int, a: ptr8, b: ptr8, out: ptr8, t: ptr32, dims: ptr32, q: ptr32, g: ptr32):
    one = 1
    ext = 0
    if (one << 31) > 0:
        ext = 32
    n = g[0]
    rank = g[1]
    ooff = (g[2] << ext) >> ext
    lo = ((g[3] << ext) >> ext) - ooff
    hi = ((g[4] << ext) >> ext) - ooff
    last = 4 * (rank - 1)
    inner = dims[last]
    if inner == 0:
        return
    sa = dims[last + 1]
    sb = dims[last + 2]
    ta = ptr32(t)
    tb = ptr32(int(t) + 1024)
    lsh = q[3] + ext
    m0 = q[1]
    m1 = q[2]
    right = q[4]
    mask = q[5]
    thr = q[6]
    d = 0
    while d < rank:
        dims[4 * d + 3] = 0
        d += 1
    ia = int(a)
    ib = int(b)
    ob = int(out)
    oe = ob + n
    while ob < oe:
        pa = ia
        pb = ib
        re = ob + inner
        while ob < re:
            acc = ((ta[ptr8(pa)[0] ^ 0x80] + tb[ptr8(pb)[0] ^ 0x80]) << lsh) >> ext
            a0 = acc & 0xFFFF
            a1 = acc >> 16
            h = a1 * m0
            k = a0 * m1
            acc = (((a1 * m1) << 1) + (h >> 15) + (k >> 15)
                   + (((h & 0x7FFF) + (k & 0x7FFF) + (((a0 * m0) >> 16) & 0xFFFF) + 0x4000) >> 15))
            th = thr - (acc >> 31)
            acc = (acc >> right) - ((th - (acc & mask)) >> 31)
            if acc < lo:
                acc = lo
            elif acc > hi:
                acc = hi
            ptr8(ob)[0] = acc + ooff
            ob += 1
            pa += sa
            pb += sb
        # advance the multi-index over the outer axes
        d = last - 4
        while d >= 0:
            dims[d + 3] = dims[d + 3] + 1
            ia += dims[d + 1]
            ib += dims[d + 2]
            if dims[d + 3] < dims[d]:
                break
            ia -= dims[d + 1] * dims[d]
            ib -= dims[d + 2] * dims[d]
            dims[d + 3] = 0
            d -= 4


@micropython.viper
def mul(pa: int, pb: int, a: ptr8, b: ptr8, out: ptr8, dims: ptr32, q: ptr32, g: ptr32):
    one = 1
    ext = 0
    if (one << 31) > 0:
        ext = 32
    n = g[0]
    rank = g[1]
    ooff = (g[2] << ext) >> ext
    lo = ((g[3] << ext) >> ext) - ooff
    hi = ((g[4] << ext) >> ext) - ooff
    ka = g[5]
    kb = g[6]
    last = 4 * (rank - 1)
    inner = dims[last]
    if inner == 0:
        return
    sa = dims[last + 1]
    sb = dims[last + 2]
    lsh = q[3] + ext
    m0 = q[1]
    m1 = q[2]
    right = q[4]
    mask = q[5]
    thr = q[6]
    d = 0
    while d < rank:
        dims[4 * d + 3] = 0
        d += 1
    ia = int(a)
    ib = int(b)
    ob = int(out)
    oe = ob + n
    while ob < oe:
        pa = ia
        pb = ib
        re = ob + inner
        while ob < re:
            acc = ((((ptr8(pa)[0] ^ 0x80) + ka) * ((ptr8(pb)[0] ^ 0x80) + kb)) << lsh) >> ext
            a0 = acc & 0xFFFF
            a1 = acc >> 16
            h = a1 * m0
            k = a0 * m1
            acc = (((a1 * m1) << 1) + (h >> 15) + (k >> 15)
                   + (((h & 0x7FFF) + (k & 0x7FFF) + (((a0 * m0) >> 16) & 0xFFFF) + 0x4000) >> 15))
            th = thr - (acc >> 31)
            acc = (acc >> right) - ((th - (acc & mask)) >> 31)
            if acc < lo:
                acc = lo
            elif acc > hi:
                acc = hi
            ptr8(ob)[0] = acc + ooff
            ob += 1
            pa += sa
            pb += sb
        d = last - 4
        while d >= 0:
            dims[d + 3] = dims[d + 3] + 1
            ia += dims[d + 1]
            ib += dims[d + 2]
            if dims[d + 3] < dims[d]:
                break
            ia -= dims[d + 1] * dims[d]
            ib -= dims[d + 2] * dims[d]
            dims[d + 3] = 0
            d -= 4


def _dims(geom):
    shape, sa, sb, _ = geom
    dims = array("i", bytes(16 * len(shape)))
    for d in range(len(shape)):
        dims[4 * d] = shape[d]
        dims[4 * d + 1] = sa[d]
        dims[4 * d + 2] = sb[d]
    return dims


def pack_addsub(kernel, args):
    """Viper ADD / SUB for the plain ``addsub_int8`` arguments."""
    a, b, out, geom, ta, tb, sign, mult, shift, ooff, amin, amax = args
    q = channel_params([0], [0], [mult], [shift])
    if q is None:
        return kernel, args
    t = zeros("i", 512)
    for i in range(256):
        t[i] = ta[i]
        t[256 + i] = tb[i] if sign > 0 else -tb[i]
    return addsub, (0, 0, a, b, out, t, _dims(geom), q, ints((len(out), len(geom[0]), ooff, amin, amax)))


def pack_mul(kernel, args):
    """Viper MUL for the plain ``mul_int8`` arguments."""
    a, b, out, geom, aoff, boff, mult, shift, ooff, amin, amax = args
    q = channel_params([0], [0], [mult], [shift])
    if q is None:
        return kernel, args
    return mul, (0, 0, a, b, out, _dims(geom), q,
                 ints((len(out), len(geom[0]), ooff, amin, amax, aoff - 128, boff - 128)))
