"""Exact quantization arithmetic, bit-for-bit as TFLite-Micro computes it.

Load-time part: TFLM derives multipliers from float32 scales in C float and
double arithmetic. MicroPython floats are float32 on most boards, so nothing
here uses Python floats: a real number is a pair ``(m, e)`` meaning m * 2**e
(m >= 0), and ``mul``/``div`` round exactly like IEEE float32 (``F32``) or
double (``F64``) round-to-nearest-even. ``quantize_multiplier`` is TFLM's
QuantizeMultiplier (frexp, round half away from zero, the 2**31 case).

Run-time part: ``srdhm``, ``rdbpot`` and ``mbqm`` are gemmlowp's
SaturatingRoundingDoublingHighMul, RoundingDivideByPOT and TFLM's
MultiplyByQuantizedMultiplier on int32 values (plain Python ints).
"""

from midge.bits import bit_length as bitlen
from midge.nn.model import ModelError

F32 = (24, -149)
F64 = (53, -1074)
_MAX_EXP = {24: 128, 53: 1024}
INT32_MIN = -(1 << 31)
INT32_MAX = (1 << 31) - 1


def from_f32_bits(bits):
    """(m, e) of the non-negative float32 with raw pattern ``bits``; ModelError otherwise."""
    if bits >> 31:
        raise ModelError("negative scale 0x%08x" % bits)
    exp = (bits >> 23) & 0xFF
    frac = bits & 0x7FFFFF
    if exp == 0xFF:
        raise ModelError("scale is not finite (0x%08x)" % bits)
    if exp == 0:
        return frac, -149
    return frac | 0x800000, exp - 150


def signed_f32_bits(bits):
    """(negative, m, e) of any finite float32 pattern."""
    neg = bool(bits >> 31)
    m, e = from_f32_bits(bits & 0x7FFFFFFF)
    return neg, m, e


def _round(q, e, sticky, fmt):
    """Round q * 2**e (plus a sticky fraction below q's last bit) to ``fmt``."""
    prec, emin = fmt
    if q == 0:
        return 0, 0
    drop = bitlen(q) - prec
    if e + drop < emin:
        drop = emin - e
    if drop > 0:
        rem = q & ((1 << drop) - 1)
        half = 1 << (drop - 1)
        q >>= drop
        e += drop
        if rem > half or (rem == half and (sticky or q & 1)):
            q += 1
            if q >> prec:
                q >>= 1
                e += 1
    if e + bitlen(q) > _MAX_EXP[prec]:
        raise ModelError("quantization parameter overflows")
    return q, e


def mul(a, b, fmt):
    """a * b rounded to ``fmt`` (F32 or F64)."""
    return _round(a[0] * b[0], a[1] + b[1], False, fmt)


def div(a, b, fmt):
    """a / b rounded to ``fmt``; ModelError when b is zero."""
    if b[0] == 0:
        raise ModelError("division by a zero scale")
    if a[0] == 0:
        return 0, 0
    shift = fmt[0] + 3 + bitlen(b[0]) - bitlen(a[0])
    if shift < 0:
        shift = 0
    q, r = divmod(a[0] << shift, b[0])
    return _round(q, a[1] - b[1] - shift, r != 0, fmt)


def to_fmt(a, fmt):
    """a rounded to ``fmt`` (e.g. a double narrowed to float32)."""
    return _round(a[0], a[1], False, fmt)


def less(a, b):
    """a < b for two (m, e) values."""
    e = a[1] if a[1] < b[1] else b[1]
    return (a[0] << (a[1] - e)) < (b[0] << (b[1] - e))


def quantize_multiplier(a):
    """TFLM QuantizeMultiplier of the double a: (q_fixed, shift), value ~ q_fixed * 2**(shift - 31)."""
    m, e = a
    if m == 0:
        return 0, 0
    bits = bitlen(m)
    shift = e + bits
    if bits <= 31:
        q = m << (31 - bits)
    else:
        drop = bits - 31
        q = (m + (1 << (drop - 1))) >> drop
    if q == 1 << 31:
        q >>= 1
        shift += 1
    if shift < -31:
        return 0, 0
    return q, shift


def round_half_away(a, neg=False):
    """TfLiteRound of the value (m, e) (negated when ``neg``), as an int."""
    m, e = a
    if e >= 0:
        r = m << e
    else:
        r = (m + (1 << (-e - 1))) >> -e
    return -r if neg else r


def to_float(a):
    """Python float of (m, e), for reporting only."""
    m, e = a
    return m * 2.0 ** e


# ---------------------------------------------------------------- run time

def srdhm(a, b):
    """gemmlowp SaturatingRoundingDoublingHighMul for int32 a, b."""
    if a == b == INT32_MIN:
        return INT32_MAX
    ab = a * b
    if ab >= 0:
        return (ab + (1 << 30)) >> 31
    return -((-(ab + 1 - (1 << 30))) >> 31)


def rdbpot(x, exponent):
    """gemmlowp RoundingDivideByPOT: x / 2**exponent rounded half away from zero."""
    mask = (1 << exponent) - 1
    threshold = (mask >> 1) + (1 if x < 0 else 0)
    return (x >> exponent) + (1 if (x & mask) > threshold else 0)


def wrap32(x):
    """x reduced to int32 two's complement (C's wrapping conversion)."""
    return ((x + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)


def mbqm(x, multiplier, shift):
    """TFLM MultiplyByQuantizedMultiplier(int32 x, multiplier, shift)."""
    if shift > 0:
        return srdhm(wrap32(x << shift), multiplier)
    return rdbpot(srdhm(x, multiplier), -shift)


def sat_shl32(x, amount):
    """gemmlowp saturating left shift of an int32 by ``amount`` bits."""
    threshold = (1 << (31 - amount)) - 1
    if x > threshold:
        return INT32_MAX
    if x < -threshold:
        return INT32_MIN
    return x << amount


def activation_range(act, scale_bits, zero_point, qmin=-128, qmax=127):
    """TFLM CalculateActivationRangeQuantized for fused activation code ``act``."""
    if act == 0:
        return qmin, qmax
    if act not in (1, 2, 3):
        raise ModelError("fused activation %d is not supported" % act)
    scale = from_f32_bits(scale_bits)

    def quant(value):
        q = div((abs(value), 0), scale, F32)
        return zero_point + round_half_away(q, value < 0)

    lo = max(qmin, quant(-1 if act == 2 else 0))
    hi = qmax if act == 1 else min(qmax, quant(1 if act == 2 else 6))
    return lo, hi
