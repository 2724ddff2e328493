"""FULLY_CONNECTED: int8 (per-tensor or per-channel) and float32, as TFLM's reference.

The int8 input offset and the bias fold into one constant per output channel
(``bias + input_offset * sum(weights)``), leaving a plain dot product.
"""

import struct

from midge import fast
from midge.nn.floats import f32
from midge.nn.model import FLOAT32, INT8, INT32
from midge.nn.ops.common import (as_plain, fail, ints_of, operands, per_channel_multipliers,
                                  quantized_int8, require_const, require_type)
from midge.nn.qmath import activation_range, mbqm

if fast.ASM:
    from midge.nn.ops._fc_asm import pack_fc
elif fast.VIPER:
    from midge.nn.ops._fc_viper import pack_fc
else:
    pack_fc = as_plain

_FLOAT_RANGES = {0: (None, None), 1: (0.0, None), 2: (-1.0, 1.0), 3: (0.0, 6.0)}


def fc_int8(x, w, out, const, mult, shift, batches, depth, units, woff, ooff, amin, amax):
    """out[b, u] = clamp(requant(sum_d w[u, d] * x[b, d] + ...)); int8 in and out."""
    o = 0
    for b in range(batches):
        xb = b * depth
        sx = 0
        if woff:
            for d in range(depth):
                sx += x[xb + d]
        for u in range(units):
            wo = u * depth
            acc = 0
            for d in range(depth):
                acc += w[wo + d] * x[xb + d]
            acc += const[u] + woff * sx
            acc = mbqm(acc, mult[u], shift[u]) + ooff
            out[o] = amin if acc < amin else (amax if acc > amax else acc)
            o += 1


def fc_float(x, w, bias, out, batches, depth, units, lo, hi):
    """Float32 fully connected with float32 rounding after every operation."""
    for b in range(batches):
        for u in range(units):
            total = 0.0
            for d in range(depth):
                p = f32(struct.unpack_from("<f", x, 4 * (b * depth + d))[0]
                        * struct.unpack_from("<f", w, 4 * (u * depth + d))[0])
                total = f32(total + p)
            if bias is not None:
                total = f32(total + struct.unpack_from("<f", bias, 4 * u)[0])
            if lo is not None and total < lo:
                total = lo
            if hi is not None and total > hi:
                total = hi
            struct.pack_into("<f", out, 4 * (b * units + u), total)


def prepare(ctx, op):
    opt = op.options
    (inp, flt, bias), (out,) = operands(ctx, op, 3, 1, optional=1)
    act = opt.scalar(0, "b", 0) if opt else 0
    if opt and opt.scalar(1, "b", 0) != 0:
        raise fail(op, "shuffled weights format is not supported")
    if len(flt.shape) != 2 or not out.shape:
        raise fail(op, "weights must be 2-D and the output at least 1-D")
    units, depth = flt.shape
    if out.shape[-1] != units or units == 0 or depth == 0:
        raise fail(op, "output depth %d does not match %d weight rows" % (out.shape[-1], units))
    batches = out.size // units
    if inp.size != batches * depth:
        raise fail(op, "input has %d values, expected %d x %d" % (inp.size, batches, depth))
    w = require_const(op, flt)
    if inp.type == FLOAT32:
        require_type(op, flt, FLOAT32)
        require_type(op, out, FLOAT32)
        if act not in _FLOAT_RANGES:
            raise fail(op, "fused activation %d is not supported" % act)
        bias_data = None
        if bias is not None:
            require_type(op, bias, FLOAT32)
            bias_data = require_const(op, bias)
        lo, hi = _FLOAT_RANGES[act]
        return fc_float, (ctx.view(op.inputs[0]), w, bias_data, ctx.view(op.outputs[0]),
                          batches, depth, units, lo, hi)
    quantized_int8(op, inp, flt, out)
    require_type(op, inp, INT8)
    if bias is not None:
        require_type(op, bias, INT32)
        if bias.size != units:
            raise fail(op, "bias has %d values for %d units" % (bias.size, units))
        bias_values = ints_of(require_const(op, bias), units)
    else:
        bias_values = [0] * units
    per_channel = len(flt.scales) > 1
    mult, shift = per_channel_multipliers(op, inp, flt, out, units, float32_product=not per_channel)
    ioff = -inp.zero_point
    woff = 0 if per_channel else -flt.zero_point
    const = [0] * units
    for u in range(units):
        s = 0
        base = u * depth
        for d in range(depth):
            s += w[base + d]
        const[u] = bias_values[u] + ioff * s + woff * ioff * depth
    amin, amax = activation_range(act, out.scale_bits, out.zero_point)
    return pack_fc(fc_int8, (ctx.view(op.inputs[0]), w, ctx.view(op.outputs[0]), const, mult, shift,
                             batches, depth, units, woff, out.zero_point, amin, amax))
