"""The TFLM micro_speech audio frontend, bit-exact with TFLM's Signal ops as
run by ``audio_preprocessor_int8.tflite`` (30 ms frames of 480 int16 samples at
16 kHz, 20 ms stride -> 40 int8 features per frame; 49 frames per second).

Stages, each reproducing the Signal op's integer arithmetic: Hann window (Q12,
``>> 12``, saturate), FFT auto-scale (left shift so the peak has 15 bits;
TFLM's MaxAbs16 quirk kept), 512-point kissfft int16 real FFT, energy of bins
5..240, 40-channel mel filter bank (uint64 sums), rounded square root scaled
back by the auto-scale shift, spectral-subtraction noise reduction (stateful
noise estimate), PCAN gain control, ``ln`` scaled by 64, then the model's int8
tail ``(x * 256 + 333) // 666 - 128`` clipped to -128..127.

Stateful like the model: the noise estimate carries across frames; ``reset()``
starts over (as a fresh interpreter would). Integer only, no allocation per
frame on the viper path; the plain path gives identical results.

    fe = MicroSpeechFrontend()
    features = fe.process(frame)    # frame: 480 int16 (array('h'), memoryview)
    # features: array('b', 40), filled in place, valid until the next process()

``process`` is two halves: ``spectrum(frame)`` (window, FFT, filter bank,
square roots: the frame's own samples only) into ``fe.roots``, returning the
auto-scale shift, then ``finish(roots, shift)`` (noise reduction, PCAN, log:
the state). A stream computes each frame's first half once and keeps it
(``midge.dsp.micro_speech_window``).
"""

from array import array

from midge import fast
from midge.bits import zeros
from midge.dsp._log2_lut import LOG_LUT
from midge.dsp.fixedpoint import M32, bit_length, log32, sqrt64, wide_dynamic
from midge.dsp.rfft import Rfft512

FRAME_SAMPLES = 480
FRAME_STRIDE = 320
SAMPLE_RATE = 16000
NUM_FEATURES = 40

_SPECTRUM = 514
_ENERGY_START = 5
_ENERGY_END = 241
_WINDOW_SHIFT = 12
# Spectral subtraction (Q14 coefficients, even / odd channels), PCAN, log.
_SMOOTHING = 409
_ONE_MINUS_SMOOTHING = 15975
_ALT_SMOOTHING = 983
_ALT_ONE_MINUS_SMOOTHING = 15401
_MIN_SIGNAL_REMAINING = 819
_SMOOTHING_BITS = 10
_SUBTRACTION_BITS = 14
_SNR_SHIFT = 6
_LOG_CORRECTION_BITS = 3
_LOG_SCALE = 64
_FB_WEIGHTS_AT = 3 * (NUM_FEATURES + 1)
_PCAN_LUT_AT = 130  # luts: Log32 LUT (130), then the PCAN gain LUT


def _window_plain(x, at, window, out):
    """Window and auto-scale the frame at ``x[at:]`` into ``out``; return the auto-scale shift."""
    peak = 0
    for i in range(FRAME_SAMPLES):
        v = (x[at + i] * window[i]) >> _WINDOW_SHIFT
        if v > 32767:
            v = 32767
        elif v < -32768:
            v = -32768
        out[i] = v
        if v > peak:
            peak = v
        elif -v > peak:
            peak = ((32768 - v) & 0xFFFF) - 32768  # int16 peak: -(-32768) wraps
    if peak <= 0:
        return 0
    shift = 15 - bit_length(peak)
    if shift <= 0:
        return 0
    for i in range(FRAME_SAMPLES):
        out[i] = (((out[i] << shift) + 32768) & 0xFFFF) - 32768
    return shift


def _filterbank_plain(spec, fb, energy, roots):
    """Energy of bins 5..240, the 40 mel channel sums (uint64), and their rounded
    square roots into ``roots``. ``fb``: see ``_pack_filterbank``."""
    for b in range(_ENERGY_START, _ENERGY_END):
        re = spec[2 * b]
        im = spec[2 * b + 1]
        energy[b] = re * re + im * im
    acc = 0
    for c in range(NUM_FEATURES + 1):
        f = fb[c]
        k = _FB_WEIGHTS_AT + 2 * fb[NUM_FEATURES + 1 + c]
        uacc = 0
        for j in range(f, f + fb[2 * NUM_FEATURES + 2 + c]):
            e = energy[j]
            acc += fb[k] * e
            uacc += fb[k + 1] * e
            k += 2
        if c:
            roots[c - 1] = sqrt64(acc)
        acc = uacc


def _tail_plain(roots, scale, noise, luts, features):
    """Spectral subtraction, PCAN, log and int8 scaling per channel."""
    for i in range(NUM_FEATURES):
        signal = roots[i] >> scale
        if i & 1:
            smoothing, one_minus = _ALT_SMOOTHING, _ALT_ONE_MINUS_SMOOTHING
        else:
            smoothing, one_minus = _SMOOTHING, _ONE_MINUS_SMOOTHING
        scaled = (signal << _SMOOTHING_BITS) & M32
        estimate = ((scaled * smoothing + noise[i] * one_minus) >> _SUBTRACTION_BITS) & M32
        noise[i] = estimate
        gain = wide_dynamic(estimate, luts, _PCAN_LUT_AT) & M32
        if estimate > scaled:
            estimate = scaled
        floor = ((signal * _MIN_SIGNAL_REMAINING) >> _SUBTRACTION_BITS) & M32
        signal = (scaled - estimate) >> _SMOOTHING_BITS
        if signal < floor:
            signal = floor
        snr = ((signal * gain) >> _SNR_SHIFT) & M32
        if snr < 8192:
            signal = (snr * snr) >> 20
        else:
            signal = (snr >> 6) - 64
        scaled = (signal << _LOG_CORRECTION_BITS) & M32
        value = 0
        if scaled > 1:
            value = log32(scaled, _LOG_SCALE)
            if value > 32767:
                value = 32767
        value = (value * 256 + 333) // 666 - 128  # value >= 0: // truncates like C
        features[i] = 127 if value > 127 else value


def _pack_filterbank(tables):
    """One int16 array: channel frequency starts, weight starts and widths (41
    each), then weights and unweights interleaved (``tables``: the
    ``_micro_speech_tables`` module)."""
    weights = array("h", tables.FB_WEIGHTS)
    unweights = array("h", tables.FB_UNWEIGHTS)
    fb = array("h", tables.FB_FREQ_STARTS + tables.FB_WEIGHT_STARTS + tables.FB_WIDTHS
               + bytes(4 * len(weights)))
    for i in range(len(weights)):
        fb[_FB_WEIGHTS_AT + 2 * i] = weights[i]
        fb[_FB_WEIGHTS_AT + 2 * i + 1] = unweights[i]
    return fb


if fast.VIPER:
    from midge.dsp import _micro_speech_viper

    _window = _micro_speech_viper.window
    _filterbank = _micro_speech_viper.filterbank
    _tail = _micro_speech_viper.tail
else:
    _window = _window_plain
    _filterbank = _filterbank_plain
    _tail = _tail_plain


class MicroSpeechFrontend:
    """Stateful micro_speech feature extractor: 480 int16 samples -> 40 int8.

    Buffers are allocated once here; ``process`` allocates nothing (viper path,
    and the plain path on 64-bit ports). The constant tables are copied into
    arrays and their module unloaded (its bytes would be a second copy). Not
    re-entrant: one instance per stream.
    """

    def __init__(self):
        from midge.dsp import _micro_speech_tables as tables
        from midge.loading import forget
        self._window = array("h", tables.WINDOW)
        self._fb = _pack_filterbank(tables)
        self._luts = array("h", LOG_LUT + tables.PCAN_LUT)
        tables = None
        forget("midge.dsp._micro_speech_tables")
        self._fft = Rfft512()
        self._frame = zeros("h", FRAME_SAMPLES)
        self._spectrum = zeros("h", _SPECTRUM)
        # 2 x 257 uint32: plain keeps bin energies in the first half; viper
        # splits each into a high and a low 16-bit half.
        self._energy = zeros("I", 2 * (_SPECTRUM // 2))
        self.roots = zeros("i", NUM_FEATURES)
        self._noise = zeros("I", NUM_FEATURES)
        self.features = zeros("b", NUM_FEATURES)

    def reset(self):
        """Forget the noise estimate (start of a new stream)."""
        for i in range(NUM_FEATURES):
            self._noise[i] = 0

    def process(self, samples):
        """Features of one 480-sample frame (array('h') or a memoryview of one).

        Returns ``self.features`` (array('b') of 40), overwritten by the next call.
        """
        if len(samples) != FRAME_SAMPLES:
            raise ValueError("micro_speech frame must be %d int16 samples, got %d"
                             % (FRAME_SAMPLES, len(samples)))
        return self.finish(self.roots, self.spectrum(samples))

    def spectrum(self, samples, start=0):
        """The stateless half of ``process`` for the frame at ``samples[start:]``:
        its 40 filter-bank square roots into ``self.roots``; returns the
        auto-scale shift (0..15)."""
        if start < 0 or start + FRAME_SAMPLES > len(samples):
            raise ValueError("a micro_speech frame is %d samples; %d from %d do not hold one"
                             % (FRAME_SAMPLES, len(samples), start))
        scale = _window(samples, start, self._window, self._frame)
        self._fft.compute(self._frame, FRAME_SAMPLES, self._spectrum)
        _filterbank(self._spectrum, self._fb, self._energy, self.roots)
        return scale

    def finish(self, roots, scale):
        """The stateful half: ``roots`` (int32 x 40) and their shift -> the
        frame's features (``self.features``), the noise estimate moved on."""
        _tail(roots, scale, self._noise, self._luts, self.features)
        return self.features
