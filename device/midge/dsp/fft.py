"""Integer real FFT for power-of-two sizes 64..1024 (Q15 twiddles, int32 data).

``Rfft(n).compute(frame, out)`` writes the spectrum of ``n`` real samples:

- ``frame``: array('i') of n values with |v| < 2**16 (int16 audio, or audio
  after pre-emphasis, which can exceed int16).
- Block floating point: the frame is first scaled by 2**shift, shift in
  -1..14, so that its peak lies in [2**14, 2**15) (shift 0 for silence). With
  ``autoscale=False`` the shift is 0 and |v| < 2**16 is used as is.
- ``out``: array('i') of n + 2: re, im of bins 0..n/2 of DFT(frame * 2**shift),
  unnormalised (no 1/n). ``compute`` returns shift.

Method: the n/2-point complex FFT of the packed pairs (x[2j], x[2j+1]),
radix-2 decimation in time without scaling between stages, then the real-FFT
split. Twiddles are Q15 with 1.0 == 32768 exactly; each complex product is
rounded once, (p + 2**14) >> 15, and the split halves with a floor shift. Every
intermediate stays below 2**30 in magnitude (inputs below 2**16 grow at most
2x per stage: < 2**26.5 for n = 1024), so the viper path computes the same
ints with 32-bit machine words; products of an int32 value and a twiddle are
split as ((v >> 15) * w) + (((v & 0x7FFF) * w + 2**14) >> 15), which equals the
rounded full product exactly. Precision (SNR against numpy's float FFT) is in
docs/features.md; tests/dsp/test_fft.py measures it.

Tables are built with exact integer math (``intmath.sin_cos``), so every
platform uses the same twiddles, and are public for host mirrors: ``perm``
(the bit-reversal order of the n/2 pairs), ``twiddles`` (cos, -sin of 2 pi
k / (n/2) for k < n/4, Q15) and ``split_twiddles`` (cos, -sin of 2 pi k / n
for k <= n/2, Q15). No allocation per call; not re-entrant.
"""

from midge import fast
from midge.bits import zeros
from midge.dsp.intmath import bit_length, sin_cos

SIZES = (64, 128, 256, 512, 1024)


def _load_plain(work, frame, m, shift, perm):
    for p in range(m):
        q = 2 * perm[p]
        a = frame[q]
        b = frame[q + 1]
        if shift >= 0:
            work[2 * p] = a << shift
            work[2 * p + 1] = b << shift
        else:
            work[2 * p] = a >> 1
            work[2 * p + 1] = b >> 1


def _stages_plain(w, tw, m):
    for i in range(0, 2 * m, 4):  # size 2: the twiddle is 1
        ar = w[i]
        ai = w[i + 1]
        br = w[i + 2]
        bi = w[i + 3]
        w[i] = ar + br
        w[i + 1] = ai + bi
        w[i + 2] = ar - br
        w[i + 3] = ai - bi
    half = 2
    while half < m:
        step = 2 * (m // (2 * half))
        g = 0
        while g < m:
            for j in range(half):
                a = 2 * (g + j)
                b = a + 2 * half
                wr = tw[j * step]
                wi = tw[j * step + 1]
                br = w[b]
                bi = w[b + 1]
                tr = (br * wr - bi * wi + 16384) >> 15
                ti = (br * wi + bi * wr + 16384) >> 15
                ar = w[a]
                ai = w[a + 1]
                w[a] = ar + tr
                w[a + 1] = ai + ti
                w[b] = ar - tr
                w[b + 1] = ai - ti
            g += 2 * half
        half *= 2


def _split_plain(w, out, stw, m):
    for k in range(m + 1):
        j = 2 * (k % m)
        r = 2 * ((m - k) % m)
        zr = w[j]
        zi = w[j + 1]
        cr = w[r]
        ci = w[r + 1]
        sr = zr + cr  # Z[k] + conj(Z[m - k])
        si = zi - ci
        pr = zi + ci  # -i * (Z[k] - conj(Z[m - k]))
        pi = cr - zr
        wr = stw[2 * k]
        wi = stw[2 * k + 1]
        tr = (pr * wr - pi * wi + 16384) >> 15
        ti = (pr * wi + pi * wr + 16384) >> 15
        out[2 * k] = (sr + tr) >> 1
        out[2 * k + 1] = (si + ti) >> 1


def _peak_plain(frame, n):
    peak = 0
    for i in range(n):
        v = frame[i]
        if v > peak:
            peak = v
        elif -v > peak:
            peak = -v
    return peak


if fast.VIPER:
    from midge.dsp import _fft_viper

    _peak = _fft_viper.peak
    _load = _fft_viper.load
    _stages = _fft_viper.stages
    _split = _fft_viper.split
else:
    _peak = _peak_plain
    _load = _load_plain
    _stages = _stages_plain
    _split = _split_plain


def autoscale_shift(peak):
    """The shift that brings a frame peak of ``peak`` (< 2**16) into [2**14, 2**15)."""
    return 15 - bit_length(peak) if peak else 0


class Rfft:
    """Integer real FFT of ``n`` points (a power of two, 64..1024); see the module."""

    def __init__(self, n):
        if n not in SIZES:
            raise ValueError("FFT length must be one of %s, got %r" % (SIZES, n))
        self.n = n
        self.bins = n // 2 + 1
        m = n // 2
        self._m = m
        perm = zeros("H", m)
        bits = bit_length(m) - 1
        for p in range(m):
            q = 0
            r = p
            for _ in range(bits):
                q = (q << 1) | (r & 1)
                r >>= 1
            perm[p] = q
        self.perm = perm
        tw = zeros("i", m)  # exp(-2 pi i k / m), k < m / 2
        for k in range(m // 2):
            s, c = sin_cos(k, m)
            tw[2 * k] = c
            tw[2 * k + 1] = -s
        self.twiddles = tw
        stw = zeros("i", 2 * (m + 1))  # exp(-2 pi i k / n), k <= m
        for k in range(m + 1):
            s, c = sin_cos(k, n)
            stw[2 * k] = c
            stw[2 * k + 1] = -s
        self.split_twiddles = stw
        self._work = zeros("i", n)

    def compute(self, frame, out, autoscale=True):
        """Spectrum of ``frame`` (n values, |v| < 2**16) into ``out`` (n + 2 int32).

        Returns the shift applied first (see the module docstring).
        """
        n = self.n
        if len(frame) < n or len(out) < n + 2:
            raise ValueError("rfft%d needs %d input and %d output values, got %d and %d"
                             % (n, n, n + 2, len(frame), len(out)))
        shift = autoscale_shift(_peak(frame, n)) if autoscale else 0
        _load(self._work, frame, self._m, shift, self.perm)
        _stages(self._work, self.twiddles, self._m)
        _split(self._work, out, self.split_twiddles, self._m)
        return shift
