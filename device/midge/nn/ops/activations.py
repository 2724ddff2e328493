"""Unary int8 activations, as TFLM's reference kernels.

An int8 tensor holds at most 256 distinct values, so LOGISTIC, TANH, RELU,
RELU6, LEAKY_RELU, HARD_SWISH and int8 QUANTIZE evaluate TFLM's exact integer
arithmetic once per possible input at load time into a 256-entry table; the
kernel is a lookup in an ``array('b')``. SOFTMAX is in ``midge.nn.ops.softmax``
(a classifier loads only that).
"""

from array import array

from midge.nn import fixedpoint, qmath
from midge.nn.ops.common import fail, operands, quantized_int8, scale
from midge.nn.qmath import mbqm, rdbpot


def lut_int8(x, out, n, table):
    """out[i] = table[x[i] + 128]."""
    for i in range(n):
        out[i] = table[x[i] + 128]


def _unary(ctx, op):
    (inp,), (out,) = operands(ctx, op, 1)
    quantized_int8(op, inp, out)
    if inp.size != out.size:
        raise fail(op, "input and output sizes differ")
    return inp, out


def _frexp_multiplier(a):
    """TFLM's frexp-based multiplier for LOGISTIC/TANH: (multiplier, left_shift)."""
    m, e = a
    bits = qmath.bitlen(m)
    return m << (31 - bits), e + bits


def _sigmoid_like(op, inp, out, func):
    mult, shift = _frexp_multiplier((scale(inp)[0], scale(inp)[1] + 27))
    if shift < 0:
        raise fail(op, "input scale is too small")
    radius = (15 << 27) >> shift
    izp = inp.zero_point
    table = []
    for q in range(-128, 128):
        v = q - izp
        if v <= -radius:
            table.append(-128)
        elif v >= radius:
            table.append(127)
        else:
            table.append(func(mbqm(v, mult, shift)))
    return table


def _logistic_table(op, inp, out):
    if out.zero_point != -128:
        raise fail(op, "output zero point must be -128")

    def f(x):
        v = rdbpot(fixedpoint.logistic(x, 4), 23) - 128
        return -128 if v < -128 else (127 if v > 127 else v)
    return _sigmoid_like(op, inp, out, f)


def _tanh_table(op, inp, out):
    def f(x):
        v = rdbpot(fixedpoint.tanh(x, 4), 24)
        return -128 if v < -128 else (127 if v > 127 else v)
    return _sigmoid_like(op, inp, out, f)


def _relu_table(op, inp, out):
    real = qmath.to_fmt(qmath.div(scale(inp), scale(out), qmath.F32), qmath.F64)
    mult, shift = qmath.quantize_multiplier(real)
    lo = max(-128, out.zero_point)
    return [min(127, max(lo, out.zero_point + mbqm(q - inp.zero_point, mult, shift)))
            for q in range(-128, 128)]


def _relu6_table(op, inp, out):
    six = qmath.round_half_away(qmath.div((6, 0), scale(inp), qmath.F32)) + inp.zero_point
    six = max(-128, min(127, six))
    zero = inp.zero_point
    return [six if q > six else (zero if q < zero else q) for q in range(-128, 128)]


def _leaky_table(ctx, op, inp, out):
    alpha_bits = ctx.fb.scalar(op.options, 0, "I", 0) if op.options else 0
    neg, am, ae = qmath.signed_f32_bits(alpha_bits)
    s_in, s_out = scale(inp), scale(out)
    alpha = qmath.div(qmath.mul(s_in, (am, ae), qmath.F32), s_out, qmath.F32)
    ma, sa = qmath.quantize_multiplier(alpha)
    mi, si = qmath.quantize_multiplier(qmath.div(s_in, s_out, qmath.F32))
    table = []
    for q in range(-128, 128):
        v = q - inp.zero_point
        if v >= 0:
            r = out.zero_point + mbqm(v, mi, si)
        else:
            scaled = mbqm(v, ma, sa)
            r = out.zero_point + (-scaled if neg else scaled)
        table.append(-128 if r < -128 else (127 if r > 127 else r))
    return table


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


def _requantize_table(op, inp, out):
    mult, shift = qmath.quantize_multiplier(qmath.div(scale(inp), scale(out), qmath.F64))
    table = []
    for q in range(-128, 128):
        v = mbqm(q - inp.zero_point, mult, shift) + out.zero_point
        table.append(-128 if v < -128 else (127 if v > 127 else v))
    return table


_TABLES = {"LOGISTIC": _logistic_table, "TANH": _tanh_table, "RELU": _relu_table,
           "RELU6": _relu6_table, "HARD_SWISH": _hard_swish_table, "QUANTIZE": _requantize_table}


def prepare_unary(ctx, op):
    inp, out = _unary(ctx, op)
    if op.name == "LEAKY_RELU":
        table = _leaky_table(ctx, op, inp, out)
    else:
        table = _TABLES[op.name](op, inp, out)
    return lut_int8, (ctx.view(op.inputs[0]), ctx.view(op.outputs[0]), inp.size, array("b", table))
