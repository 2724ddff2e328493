"""Viper twins of midge.dsp.mel's per-frame stages (imported only where viper
works), split from ``_spectral_viper`` so a spectrogram loads none of them.
Same conventions: every intermediate below 2**31 in magnitude, int32 loads
sign-extended with ``(v ^ sign) - sign``, int16 loads with ``(v ^ 0x8000) - 0x8000``.
"""

import micropython

from midge.dsp._spectral_viper import LUT


@micropython.viper
def mel_logs(spec: ptr32, nbins: int, fb: ptr16, nfilt: int, logs: ptr32, offset: int,
             top_bits: int):
    lut = ptr16(LUT)
    b = 31
    sign = 1 << b
    peak = 0
    i = 0
    while i < 2 * nbins:
        v = (int(spec[i]) ^ sign) - sign
        if v < 0:
            v = 0 - v
        if v > peak:
            peak = v
        i += 1
    sh = 0 - top_bits
    while peak:
        peak >>= 1
        sh += 1
    if sh < 0:
        sh = 0
    c = 0
    while c < nfilt:
        k = int(fb[3 * c])
        end = k + int(fb[3 * c + 1])
        at = int(fb[3 * c + 2])
        hi = 0
        lo = 0
        while k < end:
            re = ((int(spec[2 * k]) ^ sign) - sign) >> sh
            im = ((int(spec[2 * k + 1]) ^ sign) - sign) >> sh
            p = re * re + im * im
            w = int(fb[at])
            lo += w * (p & 0x7FFF)
            hi += w * (p >> 15) + (lo >> 15)
            lo &= 0x7FFF
            k += 1
            at += 1
        if hi or lo:
            t = -15
            y = hi
            while y:
                y >>= 1
                t += 1
            if t < 0:
                t = 0
            e = (hi << (15 - t)) | (lo >> t)
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
            logs[c] = ((integer << 16) + frac + c0 + (((c1 - c0) * (frac & 511)) >> 9)
                       + ((t + 2 * sh - 12) << 16) + offset)
        else:
            logs[c] = 0 - 268435456
        c += 1


@micropython.viper
def dct_int8(logs: ptr32, nfilt: int, dct: ptr16, ncoef: int, out: ptr8, at: int, consts: ptr32):
    b = 31
    sign = 1 << b
    floor = (int(consts[2]) ^ sign) - sign
    shift = int(consts[4])
    m = 0
    while m < nfilt:
        v = ((int(logs[m]) ^ sign) - sign) - floor
        if v < 0:
            v = 0
        elif v > 4194303:
            v = 4194303
        logs[m] = ((v >> 4) * 2839 + 32768) >> 16
        m += 1
    k = 0
    while k < ncoef:
        acc = 0
        row = k * nfilt
        m = 0
        while m < nfilt:
            acc += ((int(dct[row + m]) ^ 0x8000) - 0x8000) * int(logs[m])
            m += 1
        q = (acc + (1 << (20 - shift))) >> (21 - shift)
        if q < -128:
            q = -128
        elif q > 127:
            q = 127
        out[at + k] = q
        k += 1
