"""RELU, RELU6, LEAKY_RELU and int8 QUANTIZE, as TFLM's reference kernels.

An int8 tensor holds at most 256 distinct values, so these ops evaluate
TFLM's exact integer arithmetic once per possible input at load time into a
256-entry table; the kernel is a lookup (``common.lut_int8``). LOGISTIC and
TANH are in ``midge.nn.ops.sigmoid``, HARD_SWISH in ``midge.nn.ops.hard_swish``,
SOFTMAX in ``midge.nn.ops.softmax``: a model loads only the ops it uses.
"""

from midge.nn import qmath
from midge.nn.ops.common import lut_step, scale, unary_operands
from midge.nn.qmath import mbqm


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
    alpha_bits = op.options.scalar(0, "I", 0) if op.options else 0
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


def _requantize_table(op, inp, out):
    mult, shift = qmath.quantize_multiplier(qmath.div(scale(inp), scale(out), qmath.F64))
    table = []
    for q in range(-128, 128):
        v = mbqm(q - inp.zero_point, mult, shift) + out.zero_point
        table.append(-128 if v < -128 else (127 if v > 127 else v))
    return table


_TABLES = {"RELU": _relu_table, "RELU6": _relu6_table, "QUANTIZE": _requantize_table}


def prepare_unary(ctx, op):
    inp, out = unary_operands(ctx, op)
    if op.name == "LEAKY_RELU":
        table = _leaky_table(ctx, op, inp, out)
    else:
        table = _TABLES[op.name](op, inp, out)
    return lut_step(ctx, op, inp.size, table)
