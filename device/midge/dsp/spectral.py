"""Framed-spectrum feature extractors: spectrogram, MFE (log mel energies) and
MFCC, integer end to end and bit-exact across the viper and plain paths.

A window of ``window_samples`` int16 samples is cut into frames of
``frame_samples`` every ``stride_samples`` (``frame_count = 1 + (window -
frame) // stride``, no padding). Each frame goes through:

1. optional pre-emphasis, y[i] = x[i] - ((c * x[i - 1] + 2**14) >> 15) with c
   the Q15 coefficient and x[-1] = 0 at the window's first sample;
2. the first ``min(frame, fft_length)`` samples, zero-padded to fft_length
   (a frame longer than the FFT is cropped, as numpy.fft.rfft(frame, n) and so
   Edge Impulse's blocks do); rectangular window;
3. ``midge.dsp.fft.Rfft`` (block floating point: shift s);
4. power in dB full scale, P = |DFT(x / 32768)|**2 / fft_length (speechpy's
   power spectrum), as log2 P in Q16 (``fixedpoint.log2_q16``, exact ints):
   - spectrogram: per bin; the bin's re, im are scaled down by t bits
     (|re|, |im| < 2**15) so re**2 + im**2 fits 31 bits;
   - mel: triangular filters with Q12 weights over the bins' powers, the
     whole frame's spectrum scaled down by b bits first so the sums fit
     (limbs of 15 bits), log2 of the top 30 bits of each sum;
5. int8 output:
   - spectrogram, MFE: Edge Impulse's normalisation v = (dB - floor) /
     (12 - floor) clipped to 0..1, as q = round(256 * v) - 128 clipped to
     -128..127 (v = (q + 128) / 256: scale 1/256, zero point -128), with
     integer constants: q = (((L >> 6) * A + B) >> 21) - 128;
   - MFCC: l = ln(E / floor) (0 below the floor) in Q8, DCT-II
     (orthonormal, Q13 matrix), q = round(c * 2**scale_shift) clipped.

All constants are integers computed at construction with exact integer math
(``midge.dsp.intmath``), so boards with single-precision floats build the same
tables. ``process(window, out)`` and ``frame(x, start, out, at)`` (one frame's
row: what ``process`` runs per frame) allocate nothing.
"""

from array import array

from midge import fast
from midge.blockcopy import copy8 as _copy8
from midge.dsp import intmath
from midge.dsp.intmath import samples_of
from midge.dsp.fft import Rfft
from midge.dsp.fixedpoint import DB_PER_LOG2_Q24, log2_q16

LN2_Q12 = 2839  # round(ln(2) * 4096)
LOG_NONE = -(1 << 28)  # log2 P (Q16) of a zero power: below every floor
L_RANGE = (1 << 22) - 1  # MFCC: cap on log2(E / floor) in Q16 (64 octaves)


# -- plain stages (the viper twins in _spectral_viper compute the same ints) --

def _prep_plain(frame, x, start, used, nfft, coef):
    for i in range(used):
        v = x[start + i]
        if coef:
            prev = x[start + i - 1] if start + i else 0
            v -= (coef * prev + 16384) >> 15
        frame[i] = v
    for i in range(used, nfft):
        frame[i] = 0


def _bin_logs_plain(spec, nbins, logs, offset):
    for k in range(nbins):
        re = spec[2 * k]
        im = spec[2 * k + 1]
        if re < 0:
            re = -re
        if im < 0:
            im = -im
        top = re if re > im else im
        t = intmath.bit_length(top) - 15
        if t < 0:
            t = 0
        re >>= t
        im >>= t
        e = re * re + im * im
        logs[k] = log2_q16(e) + ((2 * t) << 16) + offset if e else LOG_NONE


def _mel_logs_plain(spec, nbins, fb, nfilt, logs, offset, top_bits):
    peak = 0
    for i in range(2 * nbins):
        v = spec[i]
        if v < 0:
            v = -v
        if v > peak:
            peak = v
    b = intmath.bit_length(peak) - top_bits
    if b < 0:
        b = 0
    for c in range(nfilt):
        lo = fb[3 * c]
        at = fb[3 * c + 2]
        acc = 0
        for k in range(lo, lo + fb[3 * c + 1]):
            re = spec[2 * k] >> b
            im = spec[2 * k + 1] >> b
            acc += fb[at] * (re * re + im * im)
            at += 1
        if acc:
            t = intmath.bit_length(acc) - 30
            if t < 0:
                t = 0
            logs[c] = log2_q16(acc >> t) + ((t + 2 * b - 12) << 16) + offset
        else:
            logs[c] = LOG_NONE


def _db_int8_plain(logs, n, out, at, consts):
    a = consts[0]
    b = consts[1]
    lo = consts[2]
    hi = consts[3]
    for i in range(n):
        v = logs[i]
        if v < lo:
            v = lo
        elif v > hi:
            v = hi
        q = (((v >> 6) * a + b) >> 21) - 128
        out[at + i] = -128 if q < -128 else (127 if q > 127 else q)


def _dct_int8_plain(logs, nfilt, dct, ncoef, out, at, consts):
    floor = consts[2]
    shift = consts[4]
    for m in range(nfilt):  # in place: log2 Q16 -> ln(E / floor) Q8
        v = logs[m] - floor
        if v < 0:
            v = 0
        elif v > L_RANGE:
            v = L_RANGE
        logs[m] = ((v >> 4) * LN2_Q12 + 32768) >> 16
    for k in range(ncoef):
        acc = 0
        row = k * nfilt
        for m in range(nfilt):
            acc += dct[row + m] * logs[m]
        q = (acc + (1 << (20 - shift))) >> (21 - shift)
        out[at + k] = -128 if q < -128 else (127 if q > 127 else q)


if fast.VIPER:
    from midge.dsp import _spectral_viper as _v

    _prep = _v.prep
    _bin_logs = _v.bin_logs
    _mel_logs = _v.mel_logs
    _db_int8 = _v.db_int8
    _dct_int8 = _v.dct_int8
else:
    _prep = _prep_plain
    _bin_logs = _bin_logs_plain
    _mel_logs = _mel_logs_plain
    _db_int8 = _db_int8_plain
    _dct_int8 = _dct_int8_plain


# -- construction helpers (exact integer math) --

def db_constants(noise_floor_db):
    """array('i') [A, B, lo, hi, 0] of the int8 dB mapping for a floor in dB.

    lo/hi clamp log2 P (Q16) to dB in [floor - 1, 13], where q saturates anyway.
    """
    span = 12 - noise_floor_db
    a = intmath.round_div(DB_PER_LOG2_Q24, 32 * span)
    b = intmath.round_div(-noise_floor_db << 29, span) + (1 << 20)
    lo = ((noise_floor_db - 1) << 40) // DB_PER_LOG2_Q24
    hi = (13 << 40) // DB_PER_LOG2_Q24
    return array("i", [a, b, lo, hi, 0])


def mel_edges(rate, nfft, nfilt, low, high):
    """FFT bin of each of the nfilt + 2 mel points: the largest b with
    b * rate / (nfft + 1) <= hz(point) (Edge Impulse / speechpy's
    floor((nfft + 1) * hz / rate)), the points equally spaced in mel between
    ``low`` and ``high`` Hz. Decided exactly: mel(f) = 2595 log10(1 + f / 700)
    is compared through integer powers: mel(b * rate / d) <= mel(point i) is
    (700 d + b rate)**k <= d**k (700 + low)**(k - i) (700 + high)**i with
    k = nfilt + 1, d = nfft + 1: no logarithm, no float."""
    k = nfilt + 1
    d = nfft + 1
    dk = d ** k
    edges = []
    for i in range(k + 1):
        bound = dk * (700 + low) ** (k - i) * (700 + high) ** i
        left, right = 0, nfft // 2
        while left < right:  # largest b with (700 d + b rate)**k <= bound
            mid = (left + right + 1) // 2
            if (700 * d + mid * rate) ** k <= bound:
                left = mid
            else:
                right = mid - 1
        edges.append(left)
    return edges


def mel_filters(edges):
    """Packed triangular filters: [first bin, width, weight index] per filter,
    then Q12 weights (speechpy's triangle: (b - l) / (m - l) rising, (r - b) /
    (r - m) falling, 1 at the peak, 0 at l and r; rounded half up)."""
    nfilt = len(edges) - 2
    head = []
    weights = []
    for c in range(nfilt):
        left, mid, right = edges[c], edges[c + 1], edges[c + 2]
        first = None
        row = []
        for b in range(left, right + 1):
            if mid <= b < right:
                w = ((right - b) * 8192 + (right - mid)) // (2 * (right - mid))
            elif left < b <= mid:
                w = ((b - left) * 8192 + (mid - left)) // (2 * (mid - left))
            else:
                w = 0
            if w:
                if first is None:
                    first = b
                row.append(w)
        if first is None:
            raise ValueError("mel filter %d of %d is empty (bins %d..%d): use fewer filters, "
                             "a longer FFT or a wider frequency range" % (c, nfilt, left, right))
        head += [first, len(row), 0]
        weights.append(row)
    at = 3 * nfilt
    packed = array("h", head)
    for c, row in enumerate(weights):
        packed[3 * c + 2] = at
        at += len(row)
    for row in weights:
        packed.extend(array("h", row))
    return packed


def dct_matrix(ncoef, nfilt):
    """Orthonormal DCT-II rows 0..ncoef-1 over nfilt inputs, Q13 int16:
    round(8192 * s_k * cos(pi * k * (2m + 1) / (2 nfilt))), s_0 = sqrt(1/M), s_k = sqrt(2/M)."""
    out = array("h", bytearray(2 * ncoef * nfilt))
    for k in range(ncoef):
        scale = intmath.isqrt(((1 if k == 0 else 2) << 60) // nfilt)  # Q30
        for m in range(nfilt):
            _, c = intmath.sin_cos(k * (2 * m + 1), 4 * nfilt, 30)
            out[k * nfilt + m] = intmath.round_div(c * scale, 1 << 47)
    return out


def _check_int(config, name, lo, hi, default=None):
    value = config.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
        raise ValueError("%s must be an int in %d..%d, got %r" % (name, lo, hi, value))
    return value


def _check_number(config, name, lo, hi, default):
    value = config.get(name, default)
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not lo <= value <= hi:
        raise ValueError("%s must be a number in %r..%r, got %r" % (name, lo, hi, value))
    return value


class FramedSpectrum:
    """Framing, pre-emphasis and FFT shared by the spectral extractors.

    ``config`` keys: sample_rate (Hz, int), window_ms, frame_ms, stride_ms,
    fft_length (64..1024, a power of two), pre_emphasis (0..1, 0 = off),
    noise_floor_db (int, -120..-1). Subclasses set ``feature_count``.

    The extractor contract (``midge.features``): mono windows, so
    ``window_frames`` = ``window_samples`` and ``channels`` = 1. Public tables
    (host mirrors compute with them): ``used_samples`` (frame samples fed to
    the FFT), ``pre_emphasis_q15``, ``fft_length``, ``log2_fft_length``,
    ``frame_count``, ``stride_samples``; subclasses add ``int8_constants``
    ([A, B, lo, hi, shift] of the int8 mapping), and for mel features
    ``filter_bank`` (``mel_filters``'s packing), ``top_bits`` and, for MFCC,
    ``dct`` (``dct_matrix``).
    """

    def __init__(self, config, defaults):
        conf = dict(defaults)
        conf.update(config)
        self.sample_rate = _check_int(conf, "sample_rate", 1000, 96000)
        rate = self.sample_rate
        self.window_samples = samples_of("window_ms", conf["window_ms"], rate)
        self.window_frames = self.window_samples
        self.channels = 1
        self.frame_samples = samples_of("frame_ms", conf["frame_ms"], rate)
        self.stride_samples = samples_of("stride_ms", conf["stride_ms"], rate)
        if self.frame_samples > self.window_samples:
            raise ValueError("frame_ms %r is longer than window_ms %r"
                             % (conf["frame_ms"], conf["window_ms"]))
        self.fft_length = conf["fft_length"]
        self._fft = Rfft(self.fft_length)
        emphasis = _check_number(conf, "pre_emphasis", 0, 1, 0)
        self.pre_emphasis_q15 = int(emphasis * 32768 + 0.5)
        self.noise_floor_db = _check_int(conf, "noise_floor_db", -120, -1)
        self.frame_count = 1 + (self.window_samples - self.frame_samples) // self.stride_samples
        self.used_samples = min(self.frame_samples, self.fft_length)
        self.log2_fft_length = intmath.bit_length(self.fft_length) - 1
        self._frame = array("i", bytearray(4 * self.fft_length))
        self._spec = array("i", bytearray(4 * (self.fft_length + 2)))
        self.config = conf

    @property
    def shape(self):
        """(frame_count, feature_count) of one window's output."""
        return (self.frame_count, self.feature_count)

    def new_output(self):
        """A zeroed array('b') for ``process``'s output."""
        return array("b", bytearray(self.frame_count * self.feature_count))

    def _check(self, window, out):
        if len(window) != self.window_samples:
            raise ValueError("window must be %d int16 samples, got %d"
                             % (self.window_samples, len(window)))
        if len(out) != self.frame_count * self.feature_count:
            raise ValueError("output must hold %d int8 values, got %d"
                             % (self.frame_count * self.feature_count, len(out)))

    def _spectrum(self, x, start):
        """FFT of the frame at ``x[start:]``; returns the log2 P offset (Q16) for its shift."""
        _prep(self._frame, x, start, self.used_samples, self.fft_length, self.pre_emphasis_q15)
        shift = self._fft.compute(self._frame, self._spec, True)
        return -((2 * shift + 30 + self.log2_fft_length) << 16)

    def process(self, window, out):
        """int8 features of ``window`` into ``out`` (frames x features, row-major)."""
        self._check(window, out)
        nc = self.feature_count
        stride = self.stride_samples
        for f in range(self.frame_count):
            self.frame(window, f * stride, out, f * nc)
        return out

    @property
    def streams(self):
        """True when a frame's features depend on its own samples only (no
        pre-emphasis reaching into the sample before it), so ``frame`` over a
        stream gives each window's rows exactly (``midge.framestream``)."""
        return self.pre_emphasis_q15 == 0

    row_itemsize = 1  # a streamed frame's row is its int8 features

    @property
    def row_width(self):
        return self.feature_count

    def rows_to_input(self, rows, out):
        """A window's features from its ``frame_count`` stream rows into ``out``."""
        _copy8(out, 0, rows, 0, self.frame_count * self.feature_count)


class Spectrogram(FramedSpectrum):
    """Log power spectrogram: fft_length // 2 + 1 int8 bins per frame.

    Defaults (Edge Impulse's Spectrogram block, the mosquito-wingbeat paper):
    16 kHz, 1000 ms window, 25 ms frames every 12.5 ms, FFT 128, floor -52 dB
    -> 79 frames x 65 bins.
    """

    DEFAULTS = {"sample_rate": 16000, "window_ms": 1000, "frame_ms": 25, "stride_ms": 12.5,
                "fft_length": 128, "noise_floor_db": -52, "pre_emphasis": 0}

    def __init__(self, config):
        FramedSpectrum.__init__(self, config, self.DEFAULTS)
        self.feature_count = self.fft_length // 2 + 1
        self._logs = array("i", bytearray(4 * self.feature_count))
        self.int8_constants = db_constants(self.noise_floor_db)

    def frame(self, x, start, out, at):
        """The int8 bins of the frame at ``x[start:]`` (pre-emphasis, if any, from
        ``x[start - 1]``, 0 at ``start`` 0) into ``out[at:]``."""
        offset = self._spectrum(x, start)
        _bin_logs(self._spec, self.feature_count, self._logs, offset)
        _db_int8(self._logs, self.feature_count, out, at, self.int8_constants)


class MelFeatures(FramedSpectrum):
    """MFE (``kind="mfe"``: num_filters int8 log mel energies per frame) or MFCC
    (``kind="mfcc"``: num_cepstral int8 coefficients per frame).

    Extra keys: num_filters, low_frequency and high_frequency (Hz, ints; high
    0 = sample_rate / 2); MFCC also num_cepstral and scale_shift (0..4: the
    output is round(c * 2**scale_shift)). Defaults follow Edge Impulse: MFE 20 ms
    frames every 10 ms, 40 filters, FFT 256; MFCC 20 ms every 20 ms, 32
    filters, 13 coefficients, FFT 256, pre-emphasis 0.98.
    """

    MFE_DEFAULTS = {"sample_rate": 16000, "window_ms": 1000, "frame_ms": 20, "stride_ms": 10,
                    "fft_length": 256, "num_filters": 40, "low_frequency": 0,
                    "high_frequency": 0, "noise_floor_db": -52, "pre_emphasis": 0}
    MFCC_DEFAULTS = {"sample_rate": 16000, "window_ms": 1000, "frame_ms": 20, "stride_ms": 20,
                     "fft_length": 256, "num_filters": 32, "num_cepstral": 13,
                     "low_frequency": 0, "high_frequency": 0, "noise_floor_db": -52,
                     "pre_emphasis": 0.98, "scale_shift": 1}

    def __init__(self, config, kind="mfe"):
        if kind not in ("mfe", "mfcc"):
            raise ValueError("mel features are 'mfe' or 'mfcc', got %r" % (kind,))
        FramedSpectrum.__init__(self, config, self.MFE_DEFAULTS if kind == "mfe" else self.MFCC_DEFAULTS)
        conf = self.config
        rate = self.sample_rate
        self.kind = kind
        self.num_filters = _check_int(conf, "num_filters", 2, 128)
        low = _check_int(conf, "low_frequency", 0, rate // 2 - 1)
        high = _check_int(conf, "high_frequency", 0, rate // 2) or rate // 2
        if high <= low:
            raise ValueError("high_frequency %d must be above low_frequency %d" % (high, low))
        self.edges = mel_edges(rate, self.fft_length, self.num_filters, low, high)
        self.filter_bank = mel_filters(self.edges)
        bins = self.fft_length // 2 + 1
        self.top_bits = (32 - intmath.bit_length(bins - 1)) // 2
        self._logs = array("i", bytearray(4 * self.num_filters))
        self.int8_constants = db_constants(self.noise_floor_db)
        if kind == "mfcc":
            self.num_cepstral = _check_int(conf, "num_cepstral", 1, self.num_filters)
            shift = _check_int(conf, "scale_shift", 0, 4)
            # log2 of the floor power (Q16), and the output shift
            self.int8_constants[2] = (self.noise_floor_db << 40) // DB_PER_LOG2_Q24
            self.int8_constants[4] = shift
            self.dct = dct_matrix(self.num_cepstral, self.num_filters)
            self.feature_count = self.num_cepstral
        else:
            self.feature_count = self.num_filters

    def frame(self, x, start, out, at):
        """The int8 MFE or MFCC of the frame at ``x[start:]`` (pre-emphasis from
        ``x[start - 1]``, 0 at ``start`` 0) into ``out[at:]``."""
        offset = self._spectrum(x, start)
        _mel_logs(self._spec, self.fft_length // 2 + 1, self.filter_bank, self.num_filters, self._logs, offset,
                  self.top_bits)
        if self.kind == "mfcc":
            _dct_int8(self._logs, self.num_filters, self.dct, self.feature_count, out, at, self.int8_constants)
        else:
            _db_int8(self._logs, self.num_filters, out, at, self.int8_constants)
