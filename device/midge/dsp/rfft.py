"""512-point int16 real FFT, bit-exact with kissfft v130 built with FIXED_POINT=16
(the FFT behind TFLM Signal's int16 ``SignalRfft``).

kissfft scales as it goes so nothing overflows: a 256-point complex FFT of the
packed pairs (x[2k], x[2k+1]) in four radix-4 stages, each dividing its inputs
by 4 (``(v * 8191 + 16384) >> 15``) and rounding twiddle products with
``(p + 16384) >> 15``, then the real-FFT split halving again. The output is the
spectrum divided by 512. Sums are stored as int16 (two's-complement wrap), as in C.

    fft = Rfft512()
    fft.compute(samples, n, spectrum)   # samples: n <= 512 int16 (zero-padded);
                                        # spectrum: array('h', 514), re/im of bins 0..256
"""

from array import array

from midge import fast
from midge.bits import zeros

N = 512
NC = N // 2  # complex points of the inner FFT


def _digit_reversal():
    """Position p of the inner FFT's buffer takes complex input perm[p]
    (base-4 digit reversal of 0..255, kissfft's decimation in time)."""
    perm = zeros("H", NC)
    for p in range(NC):
        q = 0
        r = p
        for _ in range(4):
            q = (q << 2) | (r & 3)
            r >>= 2
        perm[p] = q
    return perm


def _w16(v):
    return ((v + 32768) & 0xFFFF) - 32768


def _permute_plain(work, x, n, perm):
    npairs = n >> 1
    for p in range(NC):
        q = perm[p]
        if q < npairs:
            work[2 * p] = x[2 * q]
            work[2 * p + 1] = x[2 * q + 1]
        else:
            work[2 * p] = 0
            work[2 * p + 1] = 0


def _stages_plain(w, tw):
    m = 1
    fstride = NC >> 2
    while m < NC:
        g = 0
        while g < 2 * NC:  # (a range with a variable step would allocate)
            for k in range(m):
                i0 = g + 2 * k
                i1 = i0 + 2 * m
                i2 = i1 + 2 * m
                i3 = i2 + 2 * m
                f0r = (w[i0] * 8191 + 16384) >> 15
                f0i = (w[i0 + 1] * 8191 + 16384) >> 15
                ar = (w[i1] * 8191 + 16384) >> 15
                ai = (w[i1 + 1] * 8191 + 16384) >> 15
                t = 2 * k * fstride
                br = tw[t]
                bi = tw[t + 1]
                s0r = (ar * br - ai * bi + 16384) >> 15
                s0i = (ar * bi + ai * br + 16384) >> 15
                ar = (w[i2] * 8191 + 16384) >> 15
                ai = (w[i2 + 1] * 8191 + 16384) >> 15
                br = tw[2 * t]
                bi = tw[2 * t + 1]
                s1r = (ar * br - ai * bi + 16384) >> 15
                s1i = (ar * bi + ai * br + 16384) >> 15
                ar = (w[i3] * 8191 + 16384) >> 15
                ai = (w[i3 + 1] * 8191 + 16384) >> 15
                br = tw[3 * t]
                bi = tw[3 * t + 1]
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
                w[i2] = _w16(f0r - s3r)
                w[i2 + 1] = _w16(f0i - s3i)
                w[i0] = _w16(f0r + s3r)
                w[i0 + 1] = _w16(f0i + s3i)
                w[i1] = _w16(s5r + s4i)
                w[i1 + 1] = _w16(s5i - s4r)
                w[i3] = _w16(s5r - s4i)
                w[i3 + 1] = _w16(s5i + s4r)
            g += 8 * m
        m <<= 2
        fstride >>= 2


def _split_plain(w, out, stw):
    dr = (w[0] * 16383 + 16384) >> 15
    di = (w[1] * 16383 + 16384) >> 15
    out[0] = dr + di
    out[1] = 0
    out[2 * NC] = dr - di
    out[2 * NC + 1] = 0
    for k in range(1, NC // 2 + 1):
        j = 2 * (NC - k)
        pr = (w[2 * k] * 16383 + 16384) >> 15
        pi = (w[2 * k + 1] * 16383 + 16384) >> 15
        nr = (w[j] * 16383 + 16384) >> 15
        ni = (_w16(-w[j + 1]) * 16383 + 16384) >> 15
        f1r = pr + nr
        f1i = pi + ni
        f2r = pr - nr
        f2i = pi - ni
        br = stw[2 * k - 2]
        bi = stw[2 * k - 1]
        tr = (f2r * br - f2i * bi + 16384) >> 15
        ti = (f2r * bi + f2i * br + 16384) >> 15
        out[2 * k] = (f1r + tr) >> 1
        out[2 * k + 1] = (f1i + ti) >> 1
        out[j] = (f1r - tr) >> 1
        out[j + 1] = (ti - f1i) >> 1


if fast.VIPER:
    from midge.dsp import _rfft_viper

    _permute = _rfft_viper.permute
    _stages = _rfft_viper.stages
    _split = _rfft_viper.split
else:
    _permute = _permute_plain
    _stages = _stages_plain
    _split = _split_plain


class Rfft512:
    """kissfft-exact 512-point int16 real FFT with preallocated state (no
    allocation per call). Not re-entrant: one instance per concurrent user."""

    def __init__(self):
        from midge.dsp import _rfft512_tables as tables
        from midge.loading import forget
        self._tw = array("h", tables.TWIDDLES)
        self._stw = array("h", tables.SUPER_TWIDDLES)
        tables = None
        forget("midge.dsp._rfft512_tables")  # its bytes would be a second copy of the arrays
        self._perm = _digit_reversal()
        self._work = zeros("h", N)

    def compute(self, x, n, out):
        """Write the spectrum of ``x[:n]`` zero-padded to 512 into ``out``.

        ``x``: int16 array (array('h') or compatible), ``n`` even, 0 < n <= 512;
        ``out``: array('h') of 514 (re, im of bins 0..256). Returns ``out``.
        """
        if n > N or n <= 0 or n & 1 or len(x) < n:
            raise ValueError("rfft input must be an even count of 1..512 int16 samples, got %d" % n)
        if len(out) != N + 2:
            raise ValueError("rfft output must hold 514 int16 values, got %d" % len(out))
        _permute(self._work, x, n, self._perm)
        _stages(self._work, self._tw)
        _split(self._work, out, self._stw)
        return out
