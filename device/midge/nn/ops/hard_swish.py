"""HARD_SWISH, as TFLM's reference kernel: its 16-bit integer arithmetic
evaluated once per possible int8 input at load time into a 256-entry table;
the kernel is a lookup (``common.lut_int8``)."""

from midge.nn import qmath
from midge.nn.ops.common import fail, lut_step, scale, unary_operands


def _to16(m):
    """TFLM DownScaleInt32ToInt16Multiplier."""
    if m >= (1 << 31) - 1 - (1 << 15):
        return 32767
    return (m + (1 << 15)) >> 16


def _wrap16(x):
    return ((x + 32768) & 0xFFFF) - 32768


def _srdhm16(a, b):
    if a == b == -32768:
        return 32767
    ab = a * b
    nudge = (1 << 14) if ab >= 0 else 1 - (1 << 14)
    v = ab + nudge
    return _wrap16(v >> 15 if v >= 0 else -((-v) >> 15))


def _rdbpot16(x, exponent):
    mask = _wrap16((1 << exponent) - 1)
    threshold = (mask >> 1) + (1 if x < 0 else 0)
    return _wrap16((x >> exponent) + (1 if (x & mask) > threshold else 0))


def _sat_shl16(x, amount):
    v = x * (1 << amount)
    return 32767 if v > 32767 else (-32768 if v < -32768 else v)


def _hard_swish_table(op, inp, out):
    hires = qmath.mul((1, -7), scale(inp), qmath.F32)
    om, oe = qmath.quantize_multiplier(qmath.div(hires, scale(out), qmath.F32))
    if oe > 0:
        raise fail(op, "output multiplier exponent must not be positive")
    rm, re = qmath.quantize_multiplier(qmath.div(hires, (3, -15), qmath.F32))
    om16, rm16 = _to16(om), _to16(rm)
    table = []
    for q in range(-128, 128):
        hi = _wrap16(_wrap16(q - inp.zero_point) * 128)
        pre = _srdhm16(hi, om16)
        relu = hi
        if re > 0:
            relu = _sat_shl16(relu, re - 1)
        relu = _srdhm16(relu, rm16)
        if re > 0:
            relu = _sat_shl16(relu, 1)
        if re < 0:
            relu = _rdbpot16(relu, -re)
        relu = _wrap16((relu + (1 << 15)) >> 1)
        if relu == pre == -32768:
            prod = 32767
        else:
            p = relu * pre
            prod = _wrap16(p >> 15 if p >= 0 else -((-p) >> 15))
        v = _wrap16(_rdbpot16(prod, -oe) + out.zero_point)
        table.append(-128 if v < -128 else (127 if v > 127 else v))
    return table


def prepare_hard_swish(ctx, op):
    inp, out = unary_operands(ctx, op)
    return lut_step(ctx, op, inp.size, _hard_swish_table(op, inp, out))
