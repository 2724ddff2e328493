"""Viper twins of midge.dsp.fft's stages (imported only where viper works).

ptr32 loads are zero-extended on 64-bit ports and raw 32-bit words on boards;
``(v ^ sign) - sign`` with ``sign = 1 << 31`` (built at run time: a literal
would be a ViperTypeError on boards) sign-extends on both. Products of an int32
value and a Q15 twiddle are split into a high part (v >> 15) and a low part
(v & 0x7FFF) so every product and sum stays below 2**31; the result is the
rounded full product, as in the plain path.
"""

import micropython


@micropython.viper
def peak(frame: ptr32, n: int) -> int:
    b = 31
    sign = 1 << b
    top = 0
    i = 0
    while i < n:
        v = (int(frame[i]) ^ sign) - sign
        if v > top:
            top = v
        elif 0 - v > top:
            top = 0 - v
        i += 1
    return top


@micropython.viper
def load(work: ptr32, frame: ptr32, m: int, shift: int, perm: ptr16):
    b = 31
    sign = 1 << b
    p = 0
    while p < m:
        q = 2 * int(perm[p])
        x = (int(frame[q]) ^ sign) - sign
        y = (int(frame[q + 1]) ^ sign) - sign
        if shift >= 0:
            work[2 * p] = x << shift
            work[2 * p + 1] = y << shift
        else:
            work[2 * p] = x >> 1
            work[2 * p + 1] = y >> 1
        p += 1


@micropython.viper
def stages(w: ptr32, tw: ptr32, m: int):
    b = 31
    sign = 1 << b
    i = 0
    while i < 2 * m:
        ar = (int(w[i]) ^ sign) - sign
        ai = (int(w[i + 1]) ^ sign) - sign
        br = (int(w[i + 2]) ^ sign) - sign
        bi = (int(w[i + 3]) ^ sign) - sign
        w[i] = ar + br
        w[i + 1] = ai + bi
        w[i + 2] = ar - br
        w[i + 3] = ai - bi
        i += 4
    half = 2
    while half < m:
        step = 2 * (m // (2 * half))
        g = 0
        while g < m:
            j = 0
            while j < half:
                a = 2 * (g + j)
                bb = a + 2 * half
                wr = (int(tw[j * step]) ^ sign) - sign
                wi = (int(tw[j * step + 1]) ^ sign) - sign
                br = (int(w[bb]) ^ sign) - sign
                bi = (int(w[bb + 1]) ^ sign) - sign
                hr = br >> 15
                hi = bi >> 15
                lr = br & 0x7FFF
                li = bi & 0x7FFF
                tr = hr * wr - hi * wi + ((lr * wr - li * wi + 16384) >> 15)
                ti = hr * wi + hi * wr + ((lr * wi + li * wr + 16384) >> 15)
                ar = (int(w[a]) ^ sign) - sign
                ai = (int(w[a + 1]) ^ sign) - sign
                w[a] = ar + tr
                w[a + 1] = ai + ti
                w[bb] = ar - tr
                w[bb + 1] = ai - ti
                j += 1
            g += 2 * half
        half *= 2


@micropython.viper
def split(w: ptr32, out: ptr32, stw: ptr32, m: int):
    b = 31
    sign = 1 << b
    k = 0
    while k <= m:
        j = 2 * k
        if k == m:
            j = 0
        r = 2 * (m - k)
        if k == 0:
            r = 0
        zr = (int(w[j]) ^ sign) - sign
        zi = (int(w[j + 1]) ^ sign) - sign
        cr = (int(w[r]) ^ sign) - sign
        ci = (int(w[r + 1]) ^ sign) - sign
        sr = zr + cr
        si = zi - ci
        pr = zi + ci
        pi = cr - zr
        wr = (int(stw[2 * k]) ^ sign) - sign
        wi = (int(stw[2 * k + 1]) ^ sign) - sign
        hr = pr >> 15
        hi = pi >> 15
        lr = pr & 0x7FFF
        li = pi & 0x7FFF
        tr = hr * wr - hi * wi + ((lr * wr - li * wi + 16384) >> 15)
        ti = hr * wi + hi * wr + ((lr * wi + li * wr + 16384) >> 15)
        out[2 * k] = (sr + tr) >> 1
        out[2 * k + 1] = (si + ti) >> 1
        k += 1
