"""Scalar fixed-point functions of TFLM's Signal library, reproduced bit for bit
(plain Python, arbitrary-precision ints masked to the C widths).

``bit_length(x)``: index of the most significant bit (Signal ``MostSignificantBit``
for x > 0; MicroPython ints have no ``bit_length``);
``sqrt32`` / ``sqrt64``: rounded integer square roots (Signal ``Sqrt32``/``Sqrt64``);
``log32(x, out_scale)``: scaled natural log (Signal ``Log32``, x >= 2);
``log2_q16(x)``: log2(x) in Q16 for x >= 1, with Signal's 128-segment LUT
interpolated linearly (within 3/65536 of log2; midge's extractors use it);
``wide_dynamic(x, lut, at)``: PCAN gain curve (Signal ``WideDynamicFunction``)
with the gain LUT at ``lut[at:]``. ``LOG2_LUT``: the log2 LUT (Signal's 130 Q16
corrections), public for host mirrors; ``DB_PER_LOG2_Q24``: 10 log10(2) in
Q24, to turn log2 of a power into dB.
"""

from array import array

from midge.bits import bit_length
from midge.dsp._log2_lut import LOG_LUT

LOG2_LUT = array("h", LOG_LUT)
M32 = 0xFFFFFFFF
DB_PER_LOG2_Q24 = 50504453  # round(10 * log10(2) * 2**24): dB per octave of power, Q24


def _sqrt_rounded(num, cap):
    """Digit-by-digit floor(sqrt(num)), plus 1 when the remainder exceeds the
    root, unless the root is ``cap`` (Signal's rounding)."""
    res = 0
    bit = 1 << ((bit_length(num) - 1) & ~1)
    while bit:
        if num >= res + bit:
            num -= res + bit
            res = (res >> 1) + bit
        else:
            res >>= 1
        bit >>= 2
    if num > res and res != cap:
        res += 1
    return res


def sqrt32(num):
    """Signal Sqrt32: round(sqrt(num)) for num < 2**32, never above 0xFFFF."""
    return _sqrt_rounded(num, 0xFFFF) if num else 0


def sqrt64(num):
    """Signal Sqrt64: round(sqrt(num)) for num < 2**64 (Sqrt32 below 2**32)."""
    if num >> 32 == 0:
        return sqrt32(num)
    return _sqrt_rounded(num, M32)


def log32(x, out_scale):
    """Signal Log32: round(ln(x) * out_scale) via a Q16 log2 with a 128-segment LUT."""
    integer = bit_length(x) - 1
    frac = x - (1 << integer)
    if integer < 16:
        frac <<= 16 - integer
    else:
        frac >>= integer - 16
    seg = frac >> 9
    c0 = LOG2_LUT[seg]
    frac += c0 + (((LOG2_LUT[seg + 1] - c0) * (frac - (seg << 9))) >> 16)
    loge = (45426 * ((integer << 16) + frac) + 32768) >> 16
    return (out_scale * loge + 32768) >> 16


def log2_q16(x):
    """log2(x) in Q16 for an int x >= 1: the top bit gives the integer part; the
    Q16 mantissa fraction f gets Signal's LUT correction log2(1 + f) - f,
    interpolated over the 512 steps of each of the 128 segments (unlike Log32,
    whose interpolation term is truncated away)."""
    integer = bit_length(x) - 1
    frac = x - (1 << integer)
    if integer < 16:
        frac <<= 16 - integer
    else:
        frac >>= integer - 16
    seg = frac >> 9
    c0 = LOG2_LUT[seg]
    return (integer << 16) + frac + c0 + (((LOG2_LUT[seg + 1] - c0) * (frac & 511)) >> 9)


def wide_dynamic(x, lut, at=0):
    """Signal WideDynamicFunction: the int16 PCAN gain for noise estimate x (uint32)."""
    if x <= 2:
        return lut[at + x]
    interval = bit_length(x)
    base = at + 4 * interval - 6
    if interval < 11:
        frac = (x << (11 - interval)) & 0x3FF
    else:
        frac = (x >> (interval - 11)) & 0x3FF
    result = ((lut[base + 2] * frac) >> 5) + lut[base + 1] * 32
    result = (result * frac + 16384) >> 15
    return ((result + lut[base] + 32768) & 0xFFFF) - 32768
