"""PDM microphones on stock MicroPython: the 1-bit bitstream read with
``machine.I2S`` and decimated to 16-bit PCM in software.

Stock MicroPython has no PDM driver (the XIAO ESP32S3 Sense's mic is PDM on
GPIO42 clock / GPIO41 data), but a standard I2S receiver clocks in any serial
bitstream: with ``bits=32, format=I2S.STEREO, rate=16000`` the bit clock is
16000 * 64 = 1.024 MHz, which is the PDM clock, and each 32-bit word holds 32
consecutive PDM bits, first bit in the word's MSB. ``PDMDecimator`` turns those
bits into PCM:

1. CIC, order 4, decimation R (16, 32 or 64), computed as its equivalent FIR
   (the coefficients of (1 + z^-1 + ... + z^-(R-1))^4) with one 256-entry
   lookup table per byte of the filter span: each output is the sum of
   ceil((4(R-1)+1)/8) table lookups, exact integers, no wrap-around.
2. The CIC output, centred and scaled to +-2**14, feeds a 63-tap linear-phase
   FIR that decimates by 2, designed by weighted least squares to flatten the
   CIC droop (passband 0..0.2125 fs_out*2, i.e. 0..6.8 kHz at 16 kHz out,
   ripple < 0.02 dB; stopband from 9.2 kHz, >= 74 dB), Q15 coefficients.

So ``out_rate = pdm_rate / (2 R)``: 1.024 MHz -> 16 kHz (R=32), 2.048 MHz ->
16 kHz (R=64), 512 kHz -> 16 kHz (R=16). All arithmetic is integer and stays
below 2**31 (CIC sums <= R**4 <= 2**24; FIR |acc| <= 2**14 * sum|h| = 1.2e9),
so the viper kernels and their plain twins are bit-identical on 32-bit boards.
Measured SNR on synthetic 2nd-order sigma-delta bitstreams: see docs/sensors.md.
"""

from array import array

from midge import fast
from midge.bits import zeros
from midge.sensors.i2s_mic import I2SCapture

ORDER = 4
# Half (first 32 of 63, symmetric) of the compensation/decimation FIR, Q15.
FIR_HALF = (
    3, 7, -1, -17, -6, 32, 19, -53, -45, 82, 88, -117, -154, 158, 252, -204,
    -391, 251, 586, -294, -857, 325, 1244, -331, -1822, 278, 2785, -47, -4769,
    -1076, 11262, 18399,
)
_HALF_TAPS = len(FIR_HALF) - 1  # index of the centre tap
_HIST = 2 * _HALF_TAPS  # FIR history samples


def _reorder_plain(src, nbytes, dst, at, word):
    for i in range(0, nbytes, word):
        for k in range(word - 1, -1, -1):
            dst[at] = src[i + k]
            at += 1


def _cic_plain(bits, n, stride, width, tab, mid, at, half, shift):
    base = 0
    for o in range(n):
        acc = 0
        t = 0
        for i in range(width):
            acc += tab[t + bits[base + i]]
            t += 256
        mid[at + o] = (acc - half) >> shift
        base += stride


def _fir2_plain(mid, n, coef, half_taps, out, shift):
    last = 2 * half_taps
    rnd = (1 << shift) >> 1
    base = 0
    for m in range(n):
        acc = coef[half_taps] * mid[base + half_taps]
        for k in range(half_taps):
            acc += coef[k] * (mid[base + k] + mid[base + last - k])
        y = (acc + rnd) >> shift
        if y > 32767:
            y = 32767
        elif y < -32768:
            y = -32768
        out[m] = y
        base += 2


def _move_plain(buf, dst, src, n):
    for i in range(n):
        buf[dst + i] = buf[src + i]


if fast.VIPER:
    from midge.sensors._pdm_viper import cic as _cic
    from midge.sensors._pdm_viper import fir2 as _fir2
    from midge.sensors._pdm_viper import move8 as _move8
    from midge.sensors._pdm_viper import move16 as _move16
    from midge.sensors._pdm_viper import reorder as _reorder
else:
    _cic = _cic_plain
    _fir2 = _fir2_plain
    _move8 = _move16 = _move_plain
    _reorder = _reorder_plain


def _cic_taps(r):
    taps = [1]
    for _ in range(ORDER):
        out = [0] * (len(taps) + r - 1)
        for i, t in enumerate(taps):
            for k in range(r):
                out[i + k] += t
        taps = out
    return taps


class PDMDecimator:
    """PDM bits -> int16 PCM at ``pdm_rate / (2 R)``.

    ``process(raw, nbytes, out)`` takes ``nbytes`` of captured words (``word``
    bytes each, little-endian, first bit in the MSB: 4 for I2S ``bits=32``, 2
    for ``bits=16``, 1 for a plain time-ordered byte stream) and writes
    ``nbytes * 8 // (2 R)`` samples to ``out`` (int16), returning that count.
    ``nbytes`` must be a multiple of ``chunk`` and at most ``max_bytes``.
    Filter state carries across calls; ``reset()`` clears it. ``gain`` is a
    left shift (6 dB each, 0..12) applied before saturating to int16.
    No allocation after construction (the tables take 1 KiB per filter byte:
    16 KiB for R=32).
    """

    def __init__(self, pdm_rate=1024000, out_rate=16000, max_bytes=4096, word=4, gain=0):
        r = pdm_rate // (2 * out_rate)
        if r not in (16, 32, 64) or r * 2 * out_rate != pdm_rate:
            raise ValueError(
                "pdm_rate / out_rate must be 32, 64 or 128 (CIC 16/32/64 then FIR 2), got %d / %d"
                % (pdm_rate, out_rate))
        if word not in (1, 2, 4):
            raise ValueError("word must be 1, 2 or 4 bytes, got %r" % (word,))
        if not 0 <= gain <= 12:
            raise ValueError("gain is a shift of 0..12 (6 dB steps), got %r" % (gain,))
        self.pdm_rate = pdm_rate
        self.sample_rate = out_rate
        self.decimation = r
        self.chunk = max(word, r // 4)  # bytes giving whole FIR outputs
        if max_bytes % self.chunk:
            raise ValueError("max_bytes %d is not a multiple of %d" % (max_bytes, self.chunk))
        self.max_bytes = max_bytes
        self._word = word
        self._stride = r // 8
        taps = _cic_taps(r)
        self._width = (len(taps) + 7) // 8
        self._hist = self._width - self._stride
        self._tab = self._tables(taps)
        total = r ** ORDER
        self._half = total // 2
        self._cic_shift = ORDER * {16: 4, 32: 5, 64: 6}[r] - 15
        self._fir_shift = 14 - gain
        self._coef = array("h", FIR_HALF)
        self._bits = bytearray(self._hist + max_bytes)
        self._mid = zeros("h", _HIST + max_bytes * 8 // r)
        self.reset()

    def _tables(self, taps):
        width = self._width
        tab = zeros("i", 256 * width)
        newest = 8 * width - 1
        for i in range(width):
            weight = []
            for b in range(8):  # bit b of byte i is at time 8i + (7 - b)
                j = newest - (8 * i + 7 - b)
                weight.append(taps[j] if j < len(taps) else 0)
            base = 256 * i
            for v in range(1, 256):
                b = 0
                while not (v >> b) & 1:
                    b += 1
                tab[base + v] = tab[base + (v & (v - 1))] + weight[b]
        return tab

    def reset(self):
        """Start from silence: history bits alternate (a PDM zero), FIR history zero."""
        for i in range(self._hist):
            self._bits[i] = 0x55
        for i in range(_HIST):
            self._mid[i] = 0

    def process(self, raw, nbytes, out):
        if nbytes % self.chunk or nbytes > self.max_bytes:
            raise ValueError("PDM chunk of %d bytes: need a multiple of %d up to %d"
                             % (nbytes, self.chunk, self.max_bytes))
        hist = self._hist
        bits = self._bits
        mid = self._mid
        _reorder(raw, nbytes, bits, hist, self._word)
        nmid = nbytes // self._stride
        _cic(bits, nmid, self._stride, self._width, self._tab, mid, _HIST, self._half, self._cic_shift)
        nout = nmid >> 1
        _fir2(mid, nout, self._coef, _HALF_TAPS, out, self._fir_shift)
        _move8(bits, 0, nbytes, hist)
        _move16(mid, 0, nmid, _HIST)
        return nout


class PDMMic(I2SCapture):
    """A PDM microphone clocked by a ``machine.I2S`` receiver (XIAO ESP32S3 Sense).

    Board glue (clock on the I2S ``sck`` pin, data on ``sd``; ``ws`` must be
    given a free pin, it is unused)::

        from machine import I2S, Pin
        i2s = I2S(0, sck=Pin(42), ws=Pin(2), sd=Pin(41), mode=I2S.RX,
                  bits=32, format=I2S.STEREO, rate=16000, ibuf=16384)
        mic = PDMMic(i2s, pdm_rate=1024000, out_rate=16000)

    ``pdm_rate`` must equal the I2S bit clock, ``rate * 64`` for 32-bit stereo.
    Capture is IRQ-driven with ``blocks`` blocks of ``block_bytes`` raw bytes
    (see ``I2SCapture``); ``readinto(buf)`` decimates the oldest block into
    ``buf`` and returns ``block`` samples (``block_bytes * 8 // (2 R)``: 256
    for the defaults). See docs/sensors.md for the SNR.
    """

    def __init__(self, i2s, pdm_rate=1024000, out_rate=16000, block_bytes=2048, blocks=3, gain=0):
        self.decimator = PDMDecimator(pdm_rate, out_rate, block_bytes, 4, gain)
        super().__init__(i2s, out_rate, block_bytes * 8 // (2 * self.decimator.decimation),
                         block_bytes, self.decimator.decimation // 4, blocks)

    def start(self):
        if not self._running:
            self.decimator.reset()
        super().start()

    def _convert(self, raw, nbytes, out):
        return self.decimator.process(raw, nbytes, out)
