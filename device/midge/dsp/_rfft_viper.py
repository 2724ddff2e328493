"""Viper twins of midge.dsp.rfft's stages (imported only where viper works).

ptr16 loads are unsigned, so every int16 load is sign-extended with
``(v ^ 0x8000) - 0x8000``; ptr16 stores keep the low 16 bits, which is C's
int16 wrap. All intermediates stay below 2**30 (products of a /4 value and a
Q15 twiddle), so 32-bit boards and the 64-bit unix port agree.
"""

import micropython


@micropython.viper
def permute(work: ptr16, x: ptr16, n: int, perm: ptr16):
    npairs = n >> 1
    p = 0
    while p < 256:
        q = perm[p]
        if q < npairs:
            work[2 * p] = x[2 * q]
            work[2 * p + 1] = x[2 * q + 1]
        else:
            work[2 * p] = 0
            work[2 * p + 1] = 0
        p += 1


@micropython.viper
def stages(w: ptr16, tw: ptr16):
    m = 1
    fstride = 64
    while m < 256:
        g = 0
        while g < 512:
            k = 0
            while k < m:
                i0 = g + 2 * k
                i1 = i0 + 2 * m
                i2 = i1 + 2 * m
                i3 = i2 + 2 * m
                t = 2 * k * fstride
                f0r = ((((int(w[i0]) ^ 0x8000) - 0x8000) * 8191) + 16384) >> 15
                f0i = ((((int(w[i0 + 1]) ^ 0x8000) - 0x8000) * 8191) + 16384) >> 15
                ar = ((((int(w[i1]) ^ 0x8000) - 0x8000) * 8191) + 16384) >> 15
                ai = ((((int(w[i1 + 1]) ^ 0x8000) - 0x8000) * 8191) + 16384) >> 15
                br = (int(tw[t]) ^ 0x8000) - 0x8000
                bi = (int(tw[t + 1]) ^ 0x8000) - 0x8000
                s0r = (ar * br - ai * bi + 16384) >> 15
                s0i = (ar * bi + ai * br + 16384) >> 15
                ar = ((((int(w[i2]) ^ 0x8000) - 0x8000) * 8191) + 16384) >> 15
                ai = ((((int(w[i2 + 1]) ^ 0x8000) - 0x8000) * 8191) + 16384) >> 15
                br = (int(tw[2 * t]) ^ 0x8000) - 0x8000
                bi = (int(tw[2 * t + 1]) ^ 0x8000) - 0x8000
                s1r = (ar * br - ai * bi + 16384) >> 15
                s1i = (ar * bi + ai * br + 16384) >> 15
                ar = ((((int(w[i3]) ^ 0x8000) - 0x8000) * 8191) + 16384) >> 15
                ai = ((((int(w[i3 + 1]) ^ 0x8000) - 0x8000) * 8191) + 16384) >> 15
                br = (int(tw[3 * t]) ^ 0x8000) - 0x8000
                bi = (int(tw[3 * t + 1]) ^ 0x8000) - 0x8000
                s2r = (ar * br - ai * bi + 16384) >> 15
                s2i = (ar * bi + ai * br + 16384) >> 15
                s5r = f0r - s1r
                s5i = f0i - s1i
                f0r += s1r
                f0i += s1i
                s3r = s0r + s2r
                s3i = s0i + s2i
                s4r = s0r - s2r
                s4i = s0i - s2i
                w[i2] = f0r - s3r
                w[i2 + 1] = f0i - s3i
                w[i0] = f0r + s3r
                w[i0 + 1] = f0i + s3i
                w[i1] = s5r + s4i
                w[i1 + 1] = s5i - s4r
                w[i3] = s5r - s4i
                w[i3 + 1] = s5i + s4r
                k += 1
            g += 8 * m
        m <<= 2
        fstride >>= 2


@micropython.viper
def split(w: ptr16, out: ptr16, stw: ptr16):
    dr = ((((int(w[0]) ^ 0x8000) - 0x8000) * 16383) + 16384) >> 15
    di = ((((int(w[1]) ^ 0x8000) - 0x8000) * 16383) + 16384) >> 15
    out[0] = dr + di
    out[1] = 0
    out[512] = dr - di
    out[513] = 0
    k = 1
    while k <= 128:
        j = 2 * (256 - k)
        pr = ((((int(w[2 * k]) ^ 0x8000) - 0x8000) * 16383) + 16384) >> 15
        pi = ((((int(w[2 * k + 1]) ^ 0x8000) - 0x8000) * 16383) + 16384) >> 15
        nr = ((((int(w[j]) ^ 0x8000) - 0x8000) * 16383) + 16384) >> 15
        ni = (0 - ((int(w[j + 1]) ^ 0x8000) - 0x8000)) & 0xFFFF  # int16 negate, wraps
        ni = ((((ni ^ 0x8000) - 0x8000) * 16383) + 16384) >> 15
        f1r = pr + nr
        f1i = pi + ni
        f2r = pr - nr
        f2i = pi - ni
        br = (int(stw[2 * k - 2]) ^ 0x8000) - 0x8000
        bi = (int(stw[2 * k - 1]) ^ 0x8000) - 0x8000
        tr = (f2r * br - f2i * bi + 16384) >> 15
        ti = (f2r * bi + f2i * br + 16384) >> 15
        out[2 * k] = (f1r + tr) >> 1
        out[2 * k + 1] = (f1i + ti) >> 1
        out[j] = (f1r - tr) >> 1
        out[j + 1] = (ti - f1i) >> 1
        k += 1
