"""Viper twin of midge.nn.ops.softmax's int8 SOFTMAX (imported only where viper works).

``pack_softmax(kernel, args)`` takes the plain ``softmax_int8`` and its arguments
and returns the viper kernel with packed arguments. The output equals the plain
kernel's for every input, with 32-bit machine ints (boards) and 64-bit ones (the
x64 unix port), and the kernel allocates nothing: every value stays an int32.

Per row, as TFLM's reference Softmax: the row maximum (over unsigned loads
``x ^ 0x80``, which keep the order); the sum of the exps rescaled to Q12 (from
the load-time table; int32, wrapping as in TFLM); GetReciprocal, i.e. the
sum's leading zeros (headroom) and gemmlowp's one_over_one_plus_x_for_x_in_0_1
of the sum shifted to [1, 2) less one: RoundingHalfSum with one, the
48/17 - 32/17 * d estimate and three Newton-Raphson steps in Q2, with its
saturating shifts; then per element ``RoundingDivideByPOT(SRDHM(recip, exp),
35 - headroom) - 128``, at most 127.

Every SaturatingRoundingDoublingHighMul here has one operand in [0, 2**31) and
is built from 16-bit halves as in ``_pack_viper`` (exact for a signed int32 times
a non-negative one). Constants of 2**30 and above are made at run time (the
48/17 one is read from the parameter array).

The table ``t`` interleaves, for each difference ``d`` from the row maximum,
``t[2d]`` = exp (Q0, up to 2**31 - 1) and ``t[2d + 1]`` = exp rescaled to Q12,
both 0 beyond the op's ``limit`` (the plain kernel's skipped terms), so the
kernel needs no limit test. ``g`` holds rows, depth, 48/17 and -32/17 in Q2,
and two slots the kernel writes for the tests: the last row's reciprocal and
headroom.
"""

import micropython

from midge.nn.ops._pack_viper import ints


@micropython.viper
def softmax(xa: int, d: int, x: ptr8, out: ptr8, t: ptr32, g: ptr32):
    one = 1
    ext = 0
    if (one << 31) > 0:
        ext = 32
    rows = g[0]
    depth = g[1]
    c48 = g[2]
    cn32 = (g[3] << ext) >> ext
    big = one << 30
    imax = big - 1 + big          # 2**31 - 1
    imin = 0 - imax - 1           # -2**31
    q2one = one << 29
    xb = int(x)
    ob = int(out)
    r = 0
    while r < rows:
        xe = xb + depth
        # row maximum, in x + 128
        top = 0
        xa = xb
        while xa < xe:
            d = ptr8(xa)[0] ^ 0x80
            if d > top:
                top = d
            xa += 1
        top = top << 1
        # sum of the exps in Q12, int32
        total = 0
        xa = xb
        while xa < xe:
            total += t[top - ((ptr8(xa)[0] ^ 0x80) << 1) + 1]
            xa += 1
        total = (total << ext) >> ext
        # GetReciprocal: headroom, the shifted sum less one in [0, 2**31)
        head = 0
        a = 0
        if total < 0:
            a = total & imax
        elif total > 0:
            head = 1
            while (total >> 30) == 0:
                total = total << 1
                head += 1
            a = (total << 1) & imax
        # one_over_one_plus_x_for_x_in_0_1(a): half = RoundingHalfSum(a, one)
        half = (a >> 1) + big
        h0 = half & 0xFFFF
        h1 = half >> 16
        # x = 48/17 + half * (-32/17)
        a0 = cn32 & 0xFFFF
        a1 = cn32 >> 16
        hi = a1 * h0
        lo = a0 * h1
        v = (((a1 * h1) << 1) + (hi >> 15) + (lo >> 15)
             + (((hi & 0x7FFF) + (lo & 0x7FFF) + (((a0 * h0) >> 16) & 0xFFFF) + 0x4000) >> 15))
        v = ((c48 + v) << ext) >> ext
        k = 0
        while k < 3:
            # one_minus = 1 - half * v (Q2)
            a0 = v & 0xFFFF
            a1 = v >> 16
            hi = a1 * h0
            lo = a0 * h1
            m = (((a1 * h1) << 1) + (hi >> 15) + (lo >> 15)
                 + (((hi & 0x7FFF) + (lo & 0x7FFF) + (((a0 * h0) >> 16) & 0xFFFF) + 0x4000) >> 15))
            m = ((q2one - m) << ext) >> ext
            # v += Rescale<2>(v * one_minus); v is positive (near 2**31 / half)
            v0 = v & 0xFFFF
            v1 = v >> 16
            a0 = m & 0xFFFF
            a1 = m >> 16
            hi = a1 * v0
            lo = a0 * v1
            m = (((a1 * v1) << 1) + (hi >> 15) + (lo >> 15)
                 + (((hi & 0x7FFF) + (lo & 0x7FFF) + (((a0 * v0) >> 16) & 0xFFFF) + 0x4000) >> 15))
            if m > q2one - 1:
                m = imax
            elif m < 1 - q2one:
                m = imin
            else:
                m = m << 2
            v = ((v + m) << ext) >> ext
            k += 1
        # Rescale<0>(ExactMulByPot<-1>(v)): saturating left shift by 1
        if v > big - 1:
            v = imax
        elif v < 1 - big:
            v = imin
        else:
            v = v << 1
        g[4] = v
        g[5] = head
        # outputs: RoundingDivideByPOT(SRDHM(v, exp), 35 - head) - 128, v >= 0
        e = 35 - head
        h0 = v & 0xFFFF
        h1 = v >> 16
        mask = 0
        xa = xb
        if e > 31:
            # every SRDHM(v, exp) < 2**31 rounds to 0
            while xa < xe:
                ptr8(ob)[0] = 0x80
                ob += 1
                xa += 1
        else:
            mask = (one << e) - 1
        thr = mask >> 1
        while xa < xe:
            d = t[top - ((ptr8(xa)[0] ^ 0x80) << 1)]
            if d == 0:
                ptr8(ob)[0] = 0x80
            else:
                a0 = d & 0xFFFF
                a1 = d >> 16
                hi = a1 * h0
                lo = a0 * h1
                m = (((a1 * h1) << 1) + (hi >> 15) + (lo >> 15)
                     + (((hi & 0x7FFF) + (lo & 0x7FFF) + (((a0 * h0) >> 16) & 0xFFFF) + 0x4000) >> 15))
                m = (m >> e) - ((thr - (m & mask)) >> 31) - 128
                if m > 127:
                    m = 127
                ptr8(ob)[0] = m
            ob += 1
            xa += 1
        xb = xe
        r += 1


def pack_softmax(kernel, args):
    """Viper SOFTMAX for the plain ``softmax_int8`` arguments."""
    x, out, rows, depth, table, limit = args
    return softmax, (0, 0, x, out, table, ints((rows, depth, 1515870810, -1010580540, 0, 0)))
