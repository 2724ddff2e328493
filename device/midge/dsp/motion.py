"""Motion features of an IMU window (int16 axes, interleaved), integer only.

Per axis, after an optional Butterworth biquad (``filter`` "low" or "high" at
``cutoff`` Hz; Q14 coefficients, direct form I, zero state at the window start,
y = clamp((b0 x0 + b1 x1 + b2 x2 - a1 y1 - a2 y2 + 2**13) >> 14) to int16):

====  ============  ==========================================  ===========
 #    feature       definition (y: filtered axis, n samples)    int8 output
====  ============  ==========================================  ===========
 0    mean          round(sum(y) / n), halves up                 mean >> 8
 1    rms           sqrt64(sum(y**2) // n)                        rms >> 8
 2    std           round(std_q4 / 16), std_q4 = sqrt64(256 *     std >> 8
                    sum(d**2) // n), d = y - mean
 3    skewness      Q8: sum(z3) // n                              >> 4 (Q4)
 4    kurtosis      Q8: sum(z4) // n - 768 (Fisher: 0 normal)     >> 5 (Q3)
 5    peak-to-peak  max(y) - min(y)                               p2p >> 9
 6..  band power    dB full scale in Q8 (see below)               dB, rounded
====  ============  ==========================================  ===========

(int8 values are clipped to -128..127; ``output`` "int32" gives the values in
the definition column: int16 units, Q8, or dB * 256.)

Skewness and kurtosis use z = sign(d) * min(|d| * 4096 // std_q4, 4095), d in
units of sigma in Q8 clamped to +-16 sigma, z3 = ((z*z >> 8) * z) >> 8, z4 =
((z*z >> 8)**2) >> 8; both are 0 for a constant axis. ``sqrt64`` rounds
(``midge.dsp.fixedpoint``).

Band power (Edge Impulse's Spectral Analysis block reports power in bands):
Welch's estimate over max(1, 1 + (n - fft_length) // (fft_length / 2)) frames
of d overlapping by half (rectangular window; one zero-padded frame when
n < fft_length), unscaled integer FFT
(``midge.dsp.fft``), summed over the bins b with lo <= b * rate / fft_length <
hi for each pair of consecutive ``bands`` edges (Hz). Power relative to int16
full scale: P = 2 * sum|X|**2 / (frames * fft_length**2 * 2**30), reported as
round(256 * 10 log10 P), with -120 dB for an empty spectrum. The spectra are
scaled down by a common shift so |re|, |im| < 2**14 before squaring (sums as
16-bit limbs); the log uses ``fixedpoint.log2_q16``.

Limits: 2..1024 samples per axis (the z sums fit 32 bits), 1..9 axes,
cutoff between 0.005 and 0.45 of the sample rate. ``process(window, out)``
allocates nothing on 64-bit ports; its per-window scalar arithmetic uses
Python ints up to 2**50, which are heap ints on 32-bit boards.
"""

from array import array

from midge import fast
from midge.bits import zeros
from midge.dsp import intmath
from midge.dsp.fft import SIZES, Rfft
from midge.dsp.fixedpoint import DB_PER_LOG2_Q24, log2_q16, sqrt64

STATS = ("mean", "rms", "std", "skewness", "kurtosis", "peak_to_peak")
DB_NONE_Q8 = -120 * 256


def _filter_plain(x, axis, axes, n, y, coefs, mode):
    b0 = coefs[0]
    b1 = coefs[1]
    b2 = coefs[2]
    a1 = coefs[3]
    a2 = coefs[4]
    x1 = x2 = y1 = y2 = 0
    for i in range(n):
        x0 = x[i * axes + axis]
        if mode:
            v = (b0 * x0 + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2 + 8192) >> 14
            v = -32768 if v < -32768 else (32767 if v > 32767 else v)
            x2 = x1
            x1 = x0
            y2 = y1
            y1 = v
            y[i] = v
        else:
            y[i] = x0


def _sums_plain(y, n, out):
    s = 0
    lo = hi = y[0]
    for i in range(n):
        v = y[i]
        s += v
        if v < lo:
            lo = v
        if v > hi:
            hi = v
    out[0] = s
    out[1] = lo
    out[2] = hi


def _squares_plain(y, n, mean, out):
    s_hi = s_mid = s_lo = 0
    for i in range(n):
        d = y[i] - mean
        y[i] = d
        if d < 0:
            d = -d
        a = d >> 8
        b = d & 255
        s_hi += a * a
        s_mid += a * b
        s_lo += b * b
    out[3] = s_hi
    out[4] = s_mid
    out[5] = s_lo


def _zsums_plain(d, n, std_q4, out):
    s3 = s4 = 0
    for i in range(n):
        v = d[i]
        z = (-v if v < 0 else v) * 4096 // std_q4
        if z > 4095:
            z = 4095
        if v < 0:
            z = -z
        z2 = (z * z) >> 8
        s3 += (z2 * z) >> 8
        s4 += (z2 * z2) >> 8
    out[6] = s3
    out[7] = s4


def _frame_plain(frame, d, start, n, nfft):
    for i in range(nfft):
        frame[i] = d[start + i] if start + i < n else 0


def _peak_plain(spec, count):
    peak = 0
    for i in range(count):
        v = spec[i]
        if v < 0:
            v = -v
        if v > peak:
            peak = v
    return peak


def _band_sum_plain(spec, lo, hi, shift, acc):
    total = (acc[9] << 16) + acc[10]
    for b in range(lo, hi):
        re = spec[2 * b] >> shift
        im = spec[2 * b + 1] >> shift
        total += re * re + im * im
    acc[9] = total >> 16
    acc[10] = total & 0xFFFF


if fast.VIPER:
    from midge.dsp import _motion_viper as _v

    _filter = _v.filter_axis
    _sums = _v.sums
    _squares = _v.squares
    _zsums = _v.zsums
    _frame = _v.frame
    _peak = _v.peak
    _band_sum = _v.band_sum
else:
    _filter = _filter_plain
    _sums = _sums_plain
    _squares = _squares_plain
    _zsums = _zsums_plain
    _frame = _frame_plain
    _peak = _peak_plain
    _band_sum = _band_sum_plain


def _millis(name, value):
    """A frequency in Hz as an int of mHz (exact for up to 3 decimals)."""
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
        raise ValueError("%s must be a positive number of Hz, got %r" % (name, value))
    return int(value * 1000 + 0.5)


def biquad(kind, cutoff_mhz, rate_mhz):
    """Q14 Butterworth biquad [b0, b1, b2, a1, a2] by the bilinear transform,
    K = tan(pi * cutoff / rate), designed with exact integer math. b0 is set so
    the gain is exactly 1 at DC (low) or Nyquist (high) for the rounded a1, a2."""
    s, c = intmath.sin_cos(cutoff_mhz, 2 * rate_mhz, 30)
    k = (s << 30) // c  # Q30
    k2 = (k * k) >> 30
    root2k = (intmath.isqrt(2 << 60) * k) >> 30
    one = 1 << 30
    den = one + root2k + k2
    a1 = intmath.round_div((2 * (k2 - one)) << 14, den)
    a2 = intmath.round_div((one - root2k + k2) << 14, den)
    if kind == "low":
        b0 = (16384 + a1 + a2 + 2) // 4
        return [b0, 2 * b0, b0, a1, a2]
    b0 = (16384 - a1 + a2 + 2) // 4
    return [b0, -2 * b0, b0, a1, a2]


class MotionFeatures:
    """Per-axis statistics and band powers of an interleaved int16 IMU window.

    ``config`` keys: sample_rate (Hz), window_ms, axes, filter ("none", "low",
    "high"), cutoff (Hz), fft_length (64..1024), bands (ascending Hz edges, at
    least 2), output ("int32" or "int8"). Output: ``feature_count`` values,
    axis by axis in the order of the module table.

    The extractor contract (``midge.features``): ``window_frames`` (samples
    per axis), ``channels`` (= ``axes``), ``window_samples`` (frames x
    axes, interleaved), ``frame_count`` (1), ``feature_count``. Public tables
    (host mirrors compute with them): ``filtered`` (0 or 1), ``biquad_q14``
    ([b0, b1, b2, a1, a2]), ``fft_length``, ``welch_frames``, ``band_bins``
    ([first, end) FFT bin pairs per band), ``band_count``, ``log2_norm_q16``
    (the band-power normalisation as log2 in Q16) and ``int8_output``.
    """

    DEFAULTS = {"sample_rate": 100, "window_ms": 2000, "axes": 3, "filter": "none",
                "cutoff": 3, "fft_length": 64, "bands": [0.5, 2, 4, 8, 16, 32],
                "output": "int32"}

    def __init__(self, config):
        conf = dict(self.DEFAULTS)
        conf.update(config)
        self.config = conf
        rate_mhz = _millis("sample_rate", conf["sample_rate"])
        window = conf["window_ms"]
        if not isinstance(window, (int, float)) or isinstance(window, bool) or window <= 0:
            raise ValueError("window_ms must be a positive number, got %r" % (window,))
        exact = window * rate_mhz / 1000000
        n = int(exact + 0.5)
        if abs(exact - n) > 1e-3:
            raise ValueError("window_ms of %r ms is not a whole number of samples at %r Hz (%r)"
                             % (window, conf["sample_rate"], exact))
        if not 2 <= n <= 1024:
            raise ValueError("motion windows hold 2..1024 samples per axis; %r ms at %r Hz is %d"
                             % (window, conf["sample_rate"], n))
        self.window_frames = n
        axes = conf["axes"]
        if not isinstance(axes, int) or isinstance(axes, bool) or not 1 <= axes <= 9:
            raise ValueError("axes must be an int in 1..9, got %r" % (axes,))
        self.axes = axes
        self.channels = axes
        self.window_samples = n * axes
        kind = conf["filter"]
        if kind not in ("none", "low", "high"):
            raise ValueError("filter must be 'none', 'low' or 'high', got %r" % (kind,))
        self.filtered = 0 if kind == "none" else 1
        self.biquad_q14 = array("i", [0, 0, 0, 0, 0])
        if self.filtered:
            cut_mhz = _millis("cutoff", conf["cutoff"])
            if not (rate_mhz <= 200 * cut_mhz and 20 * cut_mhz <= 9 * rate_mhz):
                raise ValueError("cutoff %r Hz must be between 0.005 and 0.45 of the sample rate %r Hz"
                                 % (conf["cutoff"], conf["sample_rate"]))
            for i, v in enumerate(biquad(kind, cut_mhz, rate_mhz)):
                self.biquad_q14[i] = v
        nfft = conf["fft_length"]
        if nfft not in SIZES:
            raise ValueError("fft_length must be one of %s, got %r" % (SIZES, nfft))
        self.fft_length = nfft
        self._fft = Rfft(nfft)
        self.welch_frames = max(1, 1 + (n - nfft) // (nfft // 2))
        self.band_bins = self._bins_of(conf["bands"], rate_mhz, nfft)
        self.band_count = len(self.band_bins) // 2
        # 10 log10(2 / (frames * nfft**2 * 2**30)) as log2 in Q16
        self.log2_norm_q16 = (1 - 30 - 2 * (intmath.bit_length(nfft) - 1)) * 65536 - log2_q16(self.welch_frames)
        if conf["output"] not in ("int32", "int8"):
            raise ValueError("output must be 'int32' or 'int8', got %r" % (conf["output"],))
        self.int8_output = conf["output"] == "int8"
        self.per_axis = len(STATS) + self.band_count
        self.frame_count = 1
        self.feature_count = axes * self.per_axis
        self._y = zeros("i", n)
        self._frame = zeros("i", nfft)
        self._spectra = [zeros("i", nfft + 2) for _ in range(self.welch_frames)]
        self._acc = zeros("i", 11)

    @staticmethod
    def _bins_of(edges, rate_mhz, nfft):
        if not isinstance(edges, (list, tuple)) or len(edges) < 2:
            raise ValueError("bands must be a list of at least 2 edges in Hz, got %r" % (edges,))
        mhz = [_millis("band edge", e) if e else 0 for e in edges]
        last = nfft // 2 + 1
        bins = array("h")
        for i in range(len(mhz) - 1):
            lo, hi = mhz[i], mhz[i + 1]
            if hi <= lo:
                raise ValueError("band edges must ascend, got %r" % (edges,))
            if 2 * lo >= rate_mhz:
                raise ValueError("band %r..%r Hz lies above sample_rate / 2 (%r Hz), where a signal sampled "
                                 "at %r Hz has no content: drop it from bands or sample faster"
                                 % (edges[i], edges[i + 1], rate_mhz / 2000, rate_mhz / 1000))
            first = min(last, -(-lo * nfft // rate_mhz))  # ceil(lo * nfft / rate)
            end = min(last, -(-hi * nfft // rate_mhz))
            if end <= first:
                raise ValueError("band %r..%r Hz holds no FFT bin (bins are %r Hz apart): "
                                 "use a longer fft_length" % (edges[i], edges[i + 1], rate_mhz / 1000 / nfft))
            bins.append(first)
            bins.append(end)
        return bins

    @property
    def shape(self):
        """(1, feature_count): one row of features per window."""
        return (1, self.feature_count)

    def new_output(self):
        """A zeroed output array: array('b') for int8, array('i') for int32."""
        if self.int8_output:
            return zeros("b", self.feature_count)
        return zeros("i", self.feature_count)

    def process(self, window, out):
        """Features of ``window`` (window_samples int16, axes interleaved) into ``out``."""
        if len(window) != self.window_samples:
            raise ValueError("window must be %d int16 samples (%d frames x %d axes), got %d"
                             % (self.window_samples, self.window_frames, self.axes, len(window)))
        if len(out) != self.feature_count:
            raise ValueError("output must hold %d values, got %d" % (self.feature_count, len(out)))
        for axis in range(self.axes):
            self._axis(window, axis, out, axis * self.per_axis)
        return out

    def _axis(self, window, axis, out, at):
        n = self.window_frames
        y = self._y
        acc = self._acc
        _filter(window, axis, self.axes, n, y, self.biquad_q14, self.filtered)
        _sums(y, n, acc)
        total = acc[0]
        mean = (2 * total + n) // (2 * n)
        p2p = acc[2] - acc[1]
        _squares(y, n, mean, acc)
        sq = (acc[3] << 16) + (acc[4] << 9) + acc[5]
        std_q4 = sqrt64((sq << 8) // n)
        deviation = total - n * mean
        rms = sqrt64((sq + 2 * mean * deviation + n * mean * mean) // n)
        skew = kurt = 0
        if std_q4:
            _zsums(y, n, std_q4, acc)
            skew = acc[6] // n
            kurt = acc[7] // n - 768
        self._put(out, at, mean, 8)
        self._put(out, at + 1, rms, 8)
        self._put(out, at + 2, (std_q4 + 8) >> 4, 8)
        self._put(out, at + 3, skew, 4)
        self._put(out, at + 4, kurt, 5)
        self._put(out, at + 5, p2p, 9)
        self._bands_of(out, at + 6)

    def _bands_of(self, out, at):
        nfft = self.fft_length
        spectra = self._spectra
        peak = 0
        for f in range(self.welch_frames):
            _frame(self._frame, self._y, f * (nfft >> 1), self.window_frames, nfft)
            self._fft.compute(self._frame, spectra[f], False)
            p = _peak(spectra[f], nfft + 2)
            if p > peak:
                peak = p
        shift = intmath.bit_length(peak) - 14
        if shift < 0:
            shift = 0
        acc = self._acc
        bands = self.band_bins
        for i in range(self.band_count):
            acc[9] = acc[10] = 0
            for f in range(self.welch_frames):
                _band_sum(spectra[f], bands[2 * i], bands[2 * i + 1], shift, acc)
            total = (acc[9] << 16) + acc[10]
            if total:
                t = intmath.bit_length(total) - 30
                if t < 0:
                    t = 0
                log2 = log2_q16(total >> t) + ((t + 2 * shift) << 16) + self.log2_norm_q16
                db = (log2 * DB_PER_LOG2_Q24 + (1 << 31)) >> 32
            else:
                db = DB_NONE_Q8
            self._put(out, at + i, db, 8, True)

    def _put(self, out, i, value, shift, rounded=False):
        if self.int8_output:
            value = (value + (1 << (shift - 1)) if rounded else value) >> shift
            value = -128 if value < -128 else (127 if value > 127 else value)
        out[i] = value
