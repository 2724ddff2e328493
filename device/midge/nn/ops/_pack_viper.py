"""Load-time packing for the viper kernels (imported only where viper works).

Viper kernels read their integers from ``array('i')`` buffers (ptr32): a
big int passed as an argument would allocate on a 32-bit board. ptr32 loads
zero-extend on the 64-bit unix port, so a kernel sign-extends each value that
can be negative with ``(v << ext) >> ext`` (ext = 32 there, 0 on boards);
values only added or multiplied need no extension, as kernels compute modulo
2**32 and wrap the accumulator to int32 before requantizing.

Per output channel, ``channel_params`` stores STRIDE ints at ``STRIDE * ch``:
0 corr, the channel's constant term (bias and folded zero points);
1, 2 the multiplier's low and high 16 bits; 3 the left shift; 4 the right
shift, 5 its mask ``2**right - 1``, 6 ``mask >> 1``; 7 the bias.

The kernels' requantization is TFLM's MultiplyByQuantizedMultiplier without
branches or 64-bit products: SaturatingRoundingDoublingHighMul is
``floor((a*m + 2**30) / 2**31)`` (the same as gemmlowp's truncating form for
every a and m >= 0), summed from four 16x16-bit partial products whose pieces
each fit an int32; RoundingDivideByPOT is
``(h >> r) + ((h & mask) > (mask >> 1) - (h >> 31))`` (``h >> 31`` is -1 for h < 0).
"""

from array import array

from midge.bits import zeros
from midge.nn.qmath import wrap32

STRIDE = 8  # the kernels index with ``ch << 3``


def channel_params(corr, bias, mult, shift):
    """The per-channel array; None when a shift is outside what the kernels do
    (left shifts above 31, which no TFLM-converted model has)."""
    n = len(mult)
    p = zeros("i", STRIDE * n)
    for ch in range(n):
        m, s = mult[ch], shift[ch]
        if s > 31 or not 0 <= m < 1 << 31:
            return None
        right = -s if s < 0 else 0
        mask = (1 << right) - 1
        k = STRIDE * ch
        p[k] = wrap32(corr[ch])
        p[k + 1] = m & 0xFFFF
        p[k + 2] = m >> 16
        p[k + 3] = s if s > 0 else 0
        p[k + 4] = right
        p[k + 5] = mask
        p[k + 6] = mask >> 1
        p[k + 7] = wrap32(bias[ch])
    return p


def ints(values):
    """An ``array('i')`` of ``values`` wrapped to int32 (kernels compute modulo 2**32)."""
    return array("i", [wrap32(v) for v in values])
