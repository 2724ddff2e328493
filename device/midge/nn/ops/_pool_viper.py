"""Viper twins of midge.nn.ops.pool's kernels (imported only where viper works).

``pack_pool(kernel, args)`` / ``pack_mean(kernel, args)`` take the plain
``pool_int8`` / ``mean_int8`` and their arguments and return a viper kernel with
packed arguments (or the plain pair for a MEAN whose requantization shifts fall
outside -31..31). The outputs equal the plain kernels' for every input, with
32-bit machine ints (boards) and 64-bit ones (the x64 unix port), and the
kernels allocate nothing.

Bytes load unsigned (``xu = x ^ 0x80 = x + 128``, which keeps the order):
AVERAGE_POOL_2D sums ``xu`` over the valid taps and subtracts ``128 * count``
before TFLM's division rounded half away from zero; MAX_POOL_2D takes the
largest ``xu`` less 128. MEAN sums ``xu`` into ``sums`` (one int32 per output),
each output receiving exactly ``count`` inputs, so its constant term is
``-(izp + 128) * count``; it walks the input in row-major order with the plain
kernel's multi-index (``dims`` holds shape, stride in ``sums`` and index per
axis), then requantizes as ``_fc_viper`` does (see ``_pack_viper``).
"""

import micropython
from array import array

from midge.nn.ops._pack_viper import channel_params, ints


@micropython.viper
def pool(xa: int, acc: int, x: ptr8, out: ptr8, g: ptr32):
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
    fh = g[6]
    fw = g[7]
    sh = g[8]
    sw = g[9]
    ph = g[10]
    pw = g[11]
    is_max = g[12]
    amin = (g[13] << ext) >> ext
    amax = (g[14] << ext) >> ext
    rowstep = wd * c
    xb = int(x)
    ob = int(out)
    b = 0
    while b < nb:
        oy = 0
        while oy < oh:
            iy0 = oy * sh - ph
            fy0 = 0
            if iy0 < 0:
                fy0 = 0 - iy0
            fy1 = fh
            if h - iy0 < fh:
                fy1 = h - iy0
            ox = 0
            while ox < ow:
                ix0 = ox * sw - pw
                fx0 = 0
                if ix0 < 0:
                    fx0 = 0 - ix0
                fx1 = fw
                if wd - ix0 < fw:
                    fx1 = wd - ix0
                count = (fy1 - fy0) * (fx1 - fx0)
                half = count >> 1
                span = (fx1 - fx0) * c
                corner = xb + ((b * h + iy0 + fy0) * wd + ix0 + fx0) * c
                cend = corner + c
                while corner < cend:
                    acc = 0
                    ya = corner
                    ye = corner + (fy1 - fy0) * rowstep
                    if is_max:
                        while ya < ye:
                            xa = ya
                            xe = ya + span
                            while xa < xe:
                                v = ptr8(xa)[0] ^ 0x80
                                if v > acc:
                                    acc = v
                                xa += c
                            ya += rowstep
                        acc -= 128
                    else:
                        while ya < ye:
                            xa = ya
                            xe = ya + span
                            while xa < xe:
                                acc += ptr8(xa)[0] ^ 0x80
                                xa += c
                            ya += rowstep
                        acc -= count << 7
                        if acc > 0:
                            acc = (acc + half) // count
                        else:
                            acc = 0 - (half - acc) // count
                    if acc < amin:
                        acc = amin
                    elif acc > amax:
                        acc = amax
                    ptr8(ob)[0] = acc
                    ob += 1
                    corner += 1
                ox += 1
            oy += 1
        b += 1


@micropython.viper
def mean(xa: int, p: int, x: ptr8, out: ptr8, sums: ptr32, dims: ptr32, q: ptr32, g: ptr32):
    one = 1
    ext = 0
    if (one << 31) > 0:
        ext = 32
    n = g[0]
    rank = g[1]
    nsums = g[2]
    ooff = (g[3] << ext) >> ext
    last = 3 * (rank - 1)
    inner = dims[last]
    step = dims[last + 1] << 2
    sb = int(sums)
    se = sb + (nsums << 2)
    p = sb
    while p < se:
        ptr32(p)[0] = 0
        p += 4
    if inner > 0:
        d = 0
        while d < rank:
            dims[3 * d + 2] = 0
            d += 1
        xa = int(x)
        xe = xa + n
        t = sb
        while xa < xe:
            p = t
            re = xa + inner
            while xa < re:
                ptr32(p)[0] = ptr32(p)[0] + (ptr8(xa)[0] ^ 0x80)
                xa += 1
                p += step
            # advance the multi-index over the outer axes
            d = last - 3
            while d >= 0:
                dims[d + 2] = dims[d + 2] + 1
                t += dims[d + 1] << 2
                if dims[d + 2] < dims[d]:
                    break
                t -= (dims[d + 1] * dims[d]) << 2
                dims[d + 2] = 0
                d -= 3
    corr = (q[0] << ext) >> ext
    left = q[3] + ext
    m0 = q[1]
    m1 = q[2]
    right = q[4]
    mask = q[5]
    thr = q[6]
    qmin = -128 - ooff
    qmax = 127 - ooff
    ob = int(out)
    p = sb
    while p < se:
        # requantize (see _pack_viper): int32 wrap and left shift, high multiply
        # from 16-bit halves, rounding right shift, clamp
        acc = ((ptr32(p)[0] + corr) << left) >> ext
        a0 = acc & 0xFFFF
        a1 = acc >> 16
        hi = a1 * m0
        lo = a0 * m1
        acc = (((a1 * m1) << 1) + (hi >> 15) + (lo >> 15)
               + (((hi & 0x7FFF) + (lo & 0x7FFF) + (((a0 * m0) >> 16) & 0xFFFF) + 0x4000) >> 15))
        th = thr - (acc >> 31)
        acc = (acc >> right) - ((th - (acc & mask)) >> 31)
        # clamp before adding the offset: acc may be within it of the int32 limits
        if acc < qmin:
            acc = qmin
        elif acc > qmax:
            acc = qmax
        ptr8(ob)[0] = acc + ooff
        ob += 1
        p += 4


def pack_pool(kernel, args):
    """Viper AVERAGE_POOL_2D / MAX_POOL_2D for the plain ``pool_int8`` arguments."""
    x, out, geom, is_max, amin, amax = args
    return pool, (0, 0, x, out, ints(tuple(geom) + (1 if is_max else 0, amin, amax)))


def pack_mean(kernel, args):
    """Viper MEAN for the plain ``mean_int8`` arguments."""
    x, out, n, geom, sums, count, izp, mult, shift, ozp = args
    shape, strides, _ = geom
    if not -31 <= shift <= 31:
        return kernel, args
    q = channel_params([-(izp + 128) * count], [0], [mult], [shift])
    if q is None:
        return kernel, args
    dims = array("i", bytes(12 * len(shape)))
    for d in range(len(shape)):
        dims[3 * d] = shape[d]
        dims[3 * d + 1] = strides[d]
    return mean, (0, 0, x, out, array("i", bytes(4 * len(sums))), dims, q, ints((n, len(shape), len(sums), ozp)))
