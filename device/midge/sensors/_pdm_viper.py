"""Viper twins of midge.sensors.pdm's kernels (imported only where viper works).

32-bit safe: every value stays below 2**31 (see pdm.py), constants are small,
and int16 loads are sign-extended by hand (viper ptr16 loads are unsigned).
"""

import micropython


@micropython.viper
def reorder(src: ptr8, nbytes: int, dst: ptr8, at: int, word: int):
    i = 0
    while i < nbytes:
        k = word - 1
        while k >= 0:
            dst[at] = src[i + k]
            at += 1
            k -= 1
        i += word


@micropython.viper
def cic(bits: ptr8, n: int, stride: int, width: int, tab: ptr32, mid: ptr16, at: int, half: int, shift: int):
    base = 0
    o = 0
    while o < n:
        acc = 0
        i = 0
        t = 0
        while i < width:
            acc += tab[t + bits[base + i]]
            t += 256
            i += 1
        mid[at + o] = (acc - half) >> shift
        base += stride
        o += 1


@micropython.viper
def fir2(mid: ptr16, n: int, coef: ptr16, half_taps: int, out: ptr16, shift: int):
    last = 2 * half_taps
    rnd = (1 << shift) >> 1
    m = 0
    base = 0
    while m < n:
        c = coef[half_taps]
        c -= (c & 0x8000) << 1
        x = mid[base + half_taps]
        x -= (x & 0x8000) << 1
        acc = c * x
        k = 0
        while k < half_taps:
            a = mid[base + k]
            a -= (a & 0x8000) << 1
            b = mid[base + last - k]
            b -= (b & 0x8000) << 1
            c = coef[k]
            c -= (c & 0x8000) << 1
            acc += c * (a + b)
            k += 1
        y = (acc + rnd) >> shift
        if y > 32767:
            y = 32767
        elif y < -32768:
            y = -32768
        out[m] = y
        base += 2
        m += 1


@micropython.viper
def move8(buf: ptr8, dst: int, src: int, n: int):
    i = 0
    while i < n:
        buf[dst + i] = buf[src + i]
        i += 1


@micropython.viper
def move16(buf: ptr16, dst: int, src: int, n: int):
    i = 0
    while i < n:
        buf[dst + i] = buf[src + i]
        i += 1
