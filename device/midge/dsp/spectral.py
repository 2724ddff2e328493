"""Framed-spectrum feature extractors: spectrogram here, MFE (log mel energies)
and MFCC in ``midge.dsp.mel`` on the same framing; integer end to end and
bit-exact across the viper and plain paths.

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
from midge.bits import zeros
from midge.blockcopy import copy8 as _copy8
from midge.dsp import intmath
from midge.dsp.intmath import samples_of
from midge.dsp.fft import Rfft
from midge.dsp.fixedpoint import DB_PER_LOG2_Q24, log2_q16

LOG_NONE = -(1 << 28)  # log2 P (Q16) of a zero power: below every floor


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


# db_int8 (the int8 dB mapping) and check_int are midge.dsp.mel's too
if fast.VIPER:
    from midge.dsp import _spectral_viper as _v

    _prep = _v.prep
    _bin_logs = _v.bin_logs
    db_int8 = _v.db_int8
else:
    _prep = _prep_plain
    _bin_logs = _bin_logs_plain
    db_int8 = _db_int8_plain


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


def check_int(config, name, lo, hi, default=None):
    """``config[name]`` (or ``default``), which must be an int in lo..hi (a ValueError names it)."""
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

    int8_output = True

    def __init__(self, config, defaults):
        conf = dict(defaults)
        conf.update(config)
        self.sample_rate = check_int(conf, "sample_rate", 1000, 96000)
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
        self.noise_floor_db = check_int(conf, "noise_floor_db", -120, -1)
        self.frame_count = 1 + (self.window_samples - self.frame_samples) // self.stride_samples
        self.used_samples = min(self.frame_samples, self.fft_length)
        self.log2_fft_length = intmath.bit_length(self.fft_length) - 1
        self._frame = zeros("i", self.fft_length)
        self._spec = zeros("i", self.fft_length + 2)
        self.config = conf

    @property
    def shape(self):
        """(frame_count, feature_count) of one window's output."""
        return (self.frame_count, self.feature_count)

    def new_output(self):
        """A zeroed array('b') for ``process``'s output."""
        return zeros("b", self.frame_count * self.feature_count)

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
        self._logs = zeros("i", self.feature_count)
        self.int8_constants = db_constants(self.noise_floor_db)

    def frame(self, x, start, out, at):
        """The int8 bins of the frame at ``x[start:]`` (pre-emphasis, if any, from
        ``x[start - 1]``, 0 at ``start`` 0) into ``out[at:]``."""
        offset = self._spectrum(x, start)
        _bin_logs(self._spec, self.feature_count, self._logs, offset)
        db_int8(self._logs, self.feature_count, out, at, self.int8_constants)
