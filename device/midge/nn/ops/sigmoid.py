"""LOGISTIC and TANH, as TFLM's reference kernels: TFLM's integer arithmetic
evaluated once per possible int8 input at load time into a 256-entry table;
the kernel is a lookup (``common.lut_int8``)."""

from midge.nn import fixedpoint, qmath
from midge.nn.ops.common import fail, lut_step, scale, unary_operands
from midge.nn.qmath import mbqm, rdbpot


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


def prepare_sigmoid(ctx, op):
    inp, out = unary_operands(ctx, op)
    table = (_logistic_table if op.name == "LOGISTIC" else _tanh_table)(op, inp, out)
    return lut_step(ctx, op, inp.size, table)
