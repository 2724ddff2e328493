"""QUANTIZE (float32 -> int8) and DEQUANTIZE (int8 -> float32), as TFLM.

int8 -> int8 QUANTIZE is a requantization table (see activations).
"""

import struct

from midge.nn import qmath
from midge.nn.floats import f32, round_half_away
from midge.nn.model import FLOAT32, INT8
from midge.nn.ops import activations
from midge.nn.ops.common import fail, operands, quantized_int8, require_type


def quantize_f32(x, out, n, scale, zp):
    """out[i] = clamp(round(x[i] / scale) + zp) with a float32 division."""
    for i in range(n):
        v = round_half_away(f32(struct.unpack_from("<f", x, 4 * i)[0] / scale)) + zp
        out[i] = -128 if v < -128 else (127 if v > 127 else v)


def dequantize_i8(x, out, n, values):
    """out[i] = values[x[i] + 128] (float32 results tabulated at load)."""
    for i in range(n):
        struct.pack_into("<f", out, 4 * i, values[x[i] + 128])


def prepare_quantize(ctx, op):
    (inp,), (out,) = operands(ctx, op, 1)
    if inp.type == INT8:
        return activations.prepare_unary(ctx, op)
    require_type(op, inp, FLOAT32)
    quantized_int8(op, out)
    if inp.size != out.size:
        raise fail(op, "input and output sizes differ")
    scale = qmath.to_float(qmath.from_f32_bits(out.scale_bits))
    return quantize_f32, (ctx.view(op.inputs[0]), ctx.view(op.outputs[0]), out.size, scale, out.zero_point)


def prepare_dequantize(ctx, op):
    (inp,), (out,) = operands(ctx, op, 1)
    quantized_int8(op, inp)
    require_type(op, out, FLOAT32)
    if inp.size != out.size:
        raise fail(op, "input and output sizes differ")
    scale = qmath.to_float(qmath.from_f32_bits(inp.scale_bits))
    values = [f32(scale * (q - inp.zero_point)) for q in range(-128, 128)]
    return dequantize_i8, (ctx.view(op.inputs[0]), ctx.view(op.outputs[0]), inp.size, values)
