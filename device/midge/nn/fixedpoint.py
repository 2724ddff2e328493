"""gemmlowp fixed-point math on int32 raw values, as TFLM's kernels use it.

A value in format Q(i) has ``i`` integer bits and 31 - i fractional bits.
These run at load time to fill 256-entry lookup tables (int8 kernels see at
most 256 distinct inputs), so they favour clarity over speed.
"""

from midge.nn.qmath import INT32_MAX, rdbpot, sat_shl32, srdhm, wrap32

_EXP_BARREL = ((-2, 1672461947), (-1, 1302514674), (0, 790015084), (1, 290630308),
               (2, 39332535), (3, 720401), (4, 242))


def _exp_quarter(a):
    """exp(a) for a in [-1/4, 0), Q0 in and out."""
    x = a + (1 << 28)
    x2 = srdhm(x, x)
    x3 = srdhm(x2, x)
    x4 = srdhm(x2, x2)
    x4_over_4 = rdbpot(x4, 2)
    poly = rdbpot(srdhm(wrap32(x4_over_4 + x3), 715827883) + x2, 1)
    return wrap32(1895147668 + srdhm(1895147668, wrap32(x + poly)))


def exp_on_negative_values(a, int_bits):
    """exp(a) for a <= 0 given in Q(int_bits); result in Q0."""
    frac_bits = 31 - int_bits
    quarter = 1 << (frac_bits - 2)
    a_mod = (a & (quarter - 1)) - quarter
    result = _exp_quarter(sat_shl32(a_mod, int_bits) if int_bits else a_mod)
    remainder = wrap32(a_mod - a)
    for exponent, multiplier in _EXP_BARREL:
        if int_bits > exponent and remainder & (1 << (frac_bits + exponent)):
            result = srdhm(result, multiplier)
    if int_bits > 5 and a < -(1 << (36 - int_bits)):
        result = 0
    if a == 0:
        result = INT32_MAX
    return result


def _newton_reciprocal(a):
    """Q2 estimate of 1 / ((1 + a) / 2) for a in Q0 (0, 1), three Newton steps."""
    half_den = a + INT32_MAX
    half_den = (half_den + (1 if half_den >= 0 else -1))
    half_den = half_den // 2 if half_den >= 0 else -((-half_den) // 2)
    x = wrap32(1515870810 + srdhm(half_den, -1010580540))
    for _ in range(3):
        one_minus = wrap32((1 << 29) - srdhm(half_den, x))
        x = wrap32(x + sat_shl32(srdhm(x, one_minus), 2))
    return x


def one_over_one_plus_x(a):
    """1 / (1 + a) for a in Q0 (0, 1); result Q0."""
    return sat_shl32(_newton_reciprocal(a), 1)


def one_minus_x_over_one_plus_x(a):
    """(1 - a) / (1 + a) for a in Q0 (0, 1); result Q0."""
    return sat_shl32(wrap32(_newton_reciprocal(a) - (1 << 29)), 2)


def logistic(a, int_bits):
    """gemmlowp logistic of Q(int_bits) a; result Q0."""
    if a == 0:
        return 1 << 30
    magnitude = a if a > 0 else wrap32(-a)
    positive = one_over_one_plus_x(exp_on_negative_values(wrap32(-magnitude), int_bits))
    return positive if a > 0 else wrap32(INT32_MAX - positive)


def tanh(a, int_bits):
    """gemmlowp tanh of Q(int_bits) a; result Q0."""
    if a == 0:
        return 0
    n = a if a < 0 else wrap32(-a)
    t = one_minus_x_over_one_plus_x(exp_on_negative_values(n, int_bits + 1))
    return wrap32(-t) if a < 0 else t

