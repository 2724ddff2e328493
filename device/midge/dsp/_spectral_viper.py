"""Viper twins of midge.dsp.spectral's per-frame stages (imported only where
viper works; the mel stages are in _mel_viper). Same ints as the plain path; every intermediate stays below
2**31 in magnitude (bounds in spectral.py), int32 loads are sign-extended with
``(v ^ sign) - sign`` (sign = 1 << 31 built at run time), int16 loads with
``(v ^ 0x8000) - 0x8000``. Logs inline ``fixedpoint.log2_q16`` with its LUT.
"""

from array import array

import micropython

from midge.dsp._log2_lut import LOG_LUT

LUT = array("h", LOG_LUT)  # also read by _mel_viper


@micropython.viper
def prep(frame: ptr32, x: ptr16, start: int, used: int, nfft: int, coef: int):
    i = 0
    while i < used:
        j = start + i
        v = (int(x[j]) ^ 0x8000) - 0x8000
        if coef:
            prev = 0
            if j:
                prev = (int(x[j - 1]) ^ 0x8000) - 0x8000
            v -= (coef * prev + 16384) >> 15
        frame[i] = v
        i += 1
    while i < nfft:
        frame[i] = 0
        i += 1


@micropython.viper
def bin_logs(spec: ptr32, nbins: int, logs: ptr32, offset: int):
    lut = ptr16(LUT)
    b = 31
    sign = 1 << b
    k = 0
    while k < nbins:
        re = (int(spec[2 * k]) ^ sign) - sign
        im = (int(spec[2 * k + 1]) ^ sign) - sign
        if re < 0:
            re = 0 - re
        if im < 0:
            im = 0 - im
        top = re
        if im > top:
            top = im
        t = 0
        if top >= 32768:
            t = 1
            top >>= 16
            while top:
                top >>= 1
                t += 1
        re >>= t
        im >>= t
        e = re * re + im * im
        if e:
            integer = 0
            y = e
            if y >= 65536:
                y >>= 16
                integer = 16
            if y >= 256:
                y >>= 8
                integer += 8
            if y >= 16:
                y >>= 4
                integer += 4
            if y >= 4:
                y >>= 2
                integer += 2
            if y >= 2:
                integer += 1
            frac = e - (1 << integer)
            if integer < 16:
                frac <<= 16 - integer
            else:
                frac >>= integer - 16
            seg = frac >> 9
            c0 = int(lut[seg])
            c1 = int(lut[seg + 1])
            logs[k] = ((integer << 16) + frac + c0 + (((c1 - c0) * (frac & 511)) >> 9)
                       + ((2 * t) << 16) + offset)
        else:
            logs[k] = 0 - 268435456
        k += 1


@micropython.viper
def db_int8(logs: ptr32, n: int, out: ptr8, at: int, consts: ptr32):
    b = 31
    sign = 1 << b
    a = (int(consts[0]) ^ sign) - sign
    off = (int(consts[1]) ^ sign) - sign
    lo = (int(consts[2]) ^ sign) - sign
    hi = (int(consts[3]) ^ sign) - sign
    i = 0
    while i < n:
        v = (int(logs[i]) ^ sign) - sign
        if v < lo:
            v = lo
        elif v > hi:
            v = hi
        q = (((v >> 6) * a + off) >> 21) - 128
        if q < -128:
            q = -128
        elif q > 127:
            q = 127
        out[at + i] = q
        i += 1
