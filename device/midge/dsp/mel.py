"""MFE (log mel energies) and MFCC: ``midge.dsp.spectral``'s framing and FFT,
then triangular mel filters (and a DCT for MFCC); the arithmetic is described
in spectral's docstring (steps 4 and 5). Apart from spectral so a spectrogram
model loads none of this.
"""

from array import array

from midge import fast
from midge.bits import zeros
from midge.dsp import intmath
from midge.dsp.fixedpoint import DB_PER_LOG2_Q24, log2_q16
from midge.dsp.spectral import LOG_NONE, FramedSpectrum, check_int, db_int8, db_constants

LN2_Q12 = 2839  # round(ln(2) * 4096)
L_RANGE = (1 << 22) - 1  # MFCC: cap on log2(E / floor) in Q16 (64 octaves)


# -- plain stages (the viper twins in _mel_viper compute the same ints) --

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
    from midge.dsp import _mel_viper as _v

    _mel_logs = _v.mel_logs
    _dct_int8 = _v.dct_int8
else:
    _mel_logs = _mel_logs_plain
    _dct_int8 = _dct_int8_plain


# -- construction helpers (exact integer math) --

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
    out = zeros("h", ncoef * nfilt)
    for k in range(ncoef):
        scale = intmath.isqrt(((1 if k == 0 else 2) << 60) // nfilt)  # Q30
        for m in range(nfilt):
            _, c = intmath.sin_cos(k * (2 * m + 1), 4 * nfilt, 30)
            out[k * nfilt + m] = intmath.round_div(c * scale, 1 << 47)
    return out


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
        self.num_filters = check_int(conf, "num_filters", 2, 128)
        low = check_int(conf, "low_frequency", 0, rate // 2 - 1)
        high = check_int(conf, "high_frequency", 0, rate // 2) or rate // 2
        if high <= low:
            raise ValueError("high_frequency %d must be above low_frequency %d" % (high, low))
        self.edges = mel_edges(rate, self.fft_length, self.num_filters, low, high)
        self.filter_bank = mel_filters(self.edges)
        bins = self.fft_length // 2 + 1
        self.top_bits = (32 - intmath.bit_length(bins - 1)) // 2
        self._logs = zeros("i", self.num_filters)
        self.int8_constants = db_constants(self.noise_floor_db)
        if kind == "mfcc":
            self.num_cepstral = check_int(conf, "num_cepstral", 1, self.num_filters)
            shift = check_int(conf, "scale_shift", 0, 4)
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
            db_int8(self._logs, self.num_filters, out, at, self.int8_constants)
