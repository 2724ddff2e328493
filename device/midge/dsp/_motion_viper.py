"""Viper twins of midge.dsp.motion's per-sample loops (imported only where viper
works). Same ints as the plain path with every intermediate below 2**31: the
biquad splits each Q14 coefficient c into (c >> 7, c & 127) so its five
products sum in two parts, and (hi + 64 + (lo >> 7)) >> 7 equals the plain
(acc + 2**13) >> 14; squares split |d| into bytes; z4 splits z2 (<= 2**16) into
bytes; band sums use 16-bit limbs.
int32 loads are sign-extended with ``(v ^ sign) - sign``, sign = 1 << 31 built
at run time.
"""

import micropython


@micropython.viper
def filter_axis(x: ptr16, axis: int, axes: int, n: int, y: ptr32, coefs: ptr32, mode: int):
    b = 31
    sign = 1 << b
    c0 = (int(coefs[0]) ^ sign) - sign
    c1 = (int(coefs[1]) ^ sign) - sign
    c2 = (int(coefs[2]) ^ sign) - sign
    c3 = (int(coefs[3]) ^ sign) - sign
    c4 = (int(coefs[4]) ^ sign) - sign
    h0 = c0 >> 7
    h1 = c1 >> 7
    h2 = c2 >> 7
    h3 = c3 >> 7
    h4 = c4 >> 7
    l0 = c0 & 127
    l1 = c1 & 127
    l2 = c2 & 127
    l3 = c3 & 127
    l4 = c4 & 127
    x1 = 0
    x2 = 0
    y1 = 0
    y2 = 0
    i = 0
    while i < n:
        x0 = (int(x[i * axes + axis]) ^ 0x8000) - 0x8000
        if mode:
            hi = h0 * x0 + h1 * x1 + h2 * x2 - h3 * y1 - h4 * y2
            lo = l0 * x0 + l1 * x1 + l2 * x2 - l3 * y1 - l4 * y2
            v = (hi + 64 + (lo >> 7)) >> 7
            if v < -32768:
                v = -32768
            elif v > 32767:
                v = 32767
            x2 = x1
            x1 = x0
            y2 = y1
            y1 = v
            y[i] = v
        else:
            y[i] = x0
        i += 1


@micropython.viper
def sums(y: ptr32, n: int, out: ptr32):
    b = 31
    sign = 1 << b
    s = 0
    lo = (int(y[0]) ^ sign) - sign
    hi = lo
    i = 0
    while i < n:
        v = (int(y[i]) ^ sign) - sign
        s += v
        if v < lo:
            lo = v
        if v > hi:
            hi = v
        i += 1
    out[0] = s
    out[1] = lo
    out[2] = hi


@micropython.viper
def squares(y: ptr32, n: int, mean: int, out: ptr32):
    b = 31
    sign = 1 << b
    s_hi = 0
    s_mid = 0
    s_lo = 0
    i = 0
    while i < n:
        d = ((int(y[i]) ^ sign) - sign) - mean
        y[i] = d
        if d < 0:
            d = 0 - d
        a = d >> 8
        c = d & 255
        s_hi += a * a
        s_mid += a * c
        s_lo += c * c
        i += 1
    out[3] = s_hi
    out[4] = s_mid
    out[5] = s_lo


@micropython.viper
def zsums(d: ptr32, n: int, std_q4: int, out: ptr32):
    b = 31
    sign = 1 << b
    s3 = 0
    s4 = 0
    i = 0
    while i < n:
        v = (int(d[i]) ^ sign) - sign
        a = v
        if a < 0:
            a = 0 - a
        z = a * 4096 // std_q4
        if z > 4095:
            z = 4095
        if v < 0:
            z = 0 - z
        z2 = (z * z) >> 8
        s3 += (z2 * z) >> 8
        s4 += z2 * (z2 >> 8) + ((z2 * (z2 & 255)) >> 8)  # (z2 * z2) >> 8, z2 <= 2**16
        i += 1
    out[6] = s3
    out[7] = s4


@micropython.viper
def frame(out: ptr32, d: ptr32, start: int, n: int, nfft: int):
    i = 0
    while i < nfft:
        if start + i < n:
            out[i] = d[start + i]
        else:
            out[i] = 0
        i += 1


@micropython.viper
def peak(spec: ptr32, count: int) -> int:
    b = 31
    sign = 1 << b
    top = 0
    i = 0
    while i < count:
        v = (int(spec[i]) ^ sign) - sign
        if v < 0:
            v = 0 - v
        if v > top:
            top = v
        i += 1
    return top


@micropython.viper
def band_sum(spec: ptr32, lo: int, hi: int, shift: int, acc: ptr32):
    b = 31
    sign = 1 << b
    s_hi = int(acc[9])
    s_lo = int(acc[10])
    k = lo
    while k < hi:
        re = ((int(spec[2 * k]) ^ sign) - sign) >> shift
        im = ((int(spec[2 * k + 1]) ^ sign) - sign) >> shift
        p = re * re + im * im
        s_lo += p & 0xFFFF
        s_hi += (p >> 16) + (s_lo >> 16)
        s_lo &= 0xFFFF
        k += 1
    acc[9] = s_hi
    acc[10] = s_lo
