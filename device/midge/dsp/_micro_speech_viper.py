"""Viper twins of midge.dsp.micro_speech's stages (imported only where viper works).

TFLM computes some stages in uint64; here every value is kept below 2**31 so
32-bit boards and the 64-bit unix port agree: energies as (hi, lo) 16-bit
halves, channel sums as a carry-normalised (hi, lo 16-bit) pair, the square
root digit by digit over those limbs, and 64-bit products split into parts
whose partial sums fit. The bounds rest on the frame energy: the kissfft output
is the spectrum / 512, so the sum of bin energies stays below 2**29 and each
channel sum (weights <= 4096) below 2**41; roots stay below 2**21.
ptr16 loads are unsigned: int16 values are sign-extended with ``(v ^ 0x8000) - 0x8000``.
"""

import micropython


@micropython.viper
def window(x: ptr16, at: int, win: ptr16, out: ptr16) -> int:
    peak = 0
    i = 0
    while i < 480:
        v = (((int(x[at + i]) ^ 0x8000) - 0x8000) * int(win[i])) >> 12
        if v > 32767:
            v = 32767
        elif v < -32768:
            v = -32768
        out[i] = v
        if v > peak:
            peak = v
        elif 0 - v > peak:
            peak = (((0 - v) & 0xFFFF) ^ 0x8000) - 0x8000
        i += 1
    if peak <= 0:
        return 0
    bits = 0
    while peak:
        peak >>= 1
        bits += 1
    shift = 15 - bits
    if shift <= 0:
        return 0
    i = 0
    while i < 480:
        out[i] = ((int(out[i]) ^ 0x8000) - 0x8000) << shift
        i += 1
    return shift


@micropython.viper
def filterbank(spec: ptr16, fb: ptr16, work: ptr32, roots: ptr32):
    b = 5
    while b < 241:
        re = (int(spec[2 * b]) ^ 0x8000) - 0x8000
        im = (int(spec[2 * b + 1]) ^ 0x8000) - 0x8000
        rr = re * re
        ii = im * im
        work[b] = (rr >> 16) + (ii >> 16)
        work[257 + b] = (rr & 0xFFFF) + (ii & 0xFFFF)
        b += 1
    wh = 0
    wl = 0
    c = 0
    while c < 41:
        f = int(fb[c])
        k = 123 + 2 * int(fb[41 + c])
        end = f + int(fb[82 + c])
        uh = 0
        ul = 0
        while f < end:
            eh = int(work[f])
            el = int(work[257 + f])
            wt = int(fb[k])
            ut = int(fb[k + 1])
            wl += wt * el
            wh += wt * eh + (wl >> 16)
            wl &= 0xFFFF
            ul += ut * el
            uh += ut * eh + (ul >> 16)
            ul &= 0xFFFF
            f += 1
            k += 2
        if c:
            # Rounded sqrt of wh * 2**16 + wl (Signal Sqrt64; Sqrt32 below 2**32).
            q = 0
            r = 0
            p = 30
            while p >= 0 and (wh >> p) == 0:
                p -= 2
            while p >= 0:
                r = (r << 2) | ((wh >> p) & 3)
                t = (q << 2) | 1
                if r >= t:
                    r -= t
                    q = (q << 1) | 1
                else:
                    q <<= 1
                p -= 2
            p = 14
            while p >= 0:
                r = (r << 2) | ((wl >> p) & 3)
                t = (q << 2) | 1
                if r >= t:
                    r -= t
                    q = (q << 1) | 1
                else:
                    q <<= 1
                p -= 2
            if r > q and (wh >= 0x10000 or q != 0xFFFF):
                q += 1
            roots[c - 1] = q
        wh = uh
        wl = ul
        c += 1


@micropython.viper
def tail(roots: ptr32, scale: int, noise: ptr32, luts: ptr16, features: ptr8):
    # luts: the 130-entry Log32 LUT, then the PCAN gain LUT.
    i = 0
    while i < 40:
        s = int(roots[i]) >> scale
        if i & 1:
            sm = 983
            om = 15401
        else:
            sm = 409
            om = 15975
        scaled = s << 10
        x = int(noise[i])
        est = ((((scaled >> 16) * sm + (x >> 16) * om) << 2)
               + (((scaled & 0xFFFF) * sm + (x & 0xFFFF) * om) >> 14))
        noise[i] = est
        x = est
        if est > scaled:
            est = scaled
        sig = (scaled - est) >> 10
        floor = (s >> 14) * 819 + (((s & 0x3FFF) * 819) >> 14)
        if sig < floor:
            sig = floor
        # PCAN: gain from the noise estimate (WideDynamicFunction), then shrink.
        if x <= 2:
            gain = (int(luts[130 + x]) ^ 0x8000) - 0x8000
        else:
            interval = 0
            y = x
            while y:
                y >>= 1
                interval += 1
            k = 130 + 4 * interval - 6
            if interval < 11:
                frac = (x << (11 - interval)) & 0x3FF
            else:
                frac = (x >> (interval - 11)) & 0x3FF
            res = ((((int(luts[k + 2]) ^ 0x8000) - 0x8000) * frac) >> 5) \
                + ((int(luts[k + 1]) ^ 0x8000) - 0x8000) * 32
            res = (res * frac + 16384) >> 15
            gain = (((res + (int(luts[k]) ^ 0x8000) - 0x8000) & 0xFFFF) ^ 0x8000) - 0x8000
        snr = (((sig >> 11) * gain) << 5) + (((sig & 0x7FF) * gain) >> 6)
        if snr < 8192:
            sig = (snr * snr) >> 20
        else:
            sig = (snr >> 6) - 64
        # Log32(sig << 3, 64), then the model's int8 tail.
        x = sig << 3
        v = 0
        if x > 1:
            integer = -1
            y = x
            while y:
                y >>= 1
                integer += 1
            frac = x - (1 << integer)
            if integer < 16:
                frac <<= 16 - integer
            else:
                frac >>= integer - 16
            seg = frac >> 9
            c0 = int(luts[seg])
            frac += c0 + (((int(luts[seg + 1]) - c0) * (frac - (seg << 9))) >> 16)
            log2 = (integer << 16) + frac
            lo = log2 & 0xFFFF
            loge = 45426 * (log2 >> 16) + ((45426 * (lo >> 8) + ((45426 * (lo & 0xFF) + 32768) >> 8)) >> 8)
            v = (64 * loge + 32768) >> 16
            if v > 32767:
                v = 32767
        v = (v * 256 + 333) // 666 - 128
        if v > 127:
            v = 127
        features[i] = v
        i += 1
