"""int8 SOFTMAX, as TFLM's reference kernel: exp of the 256 possible
differences from the row maximum is tabulated at load time; the sum of exps
(Q12) is inverted as TFLM's GetReciprocal does. The viper twin is in
``_softmax_viper``.
"""

from array import array

from midge import fast
from midge.nn import fixedpoint, qmath
from midge.nn.model import INT8
from midge.nn.ops.common import as_plain, fail, operands, quantized_int8, require_type, scale
from midge.nn.qmath import bitlen, rdbpot, srdhm, wrap32

if fast.VIPER:
    from midge.nn.ops._softmax_viper import pack_softmax
else:
    pack_softmax = as_plain


def softmax_int8(x, out, rows, depth, exps, rescaled, limit):
    """Row-wise softmax over the last axis; output scale 1/256, zero point -128.

    The sum of exps (Q12) is inverted as TFLM's GetReciprocal does."""
    for r in range(rows):
        base = r * depth
        top = -128
        for c in range(depth):
            if x[base + c] > top:
                top = x[base + c]
        total = 0
        for c in range(depth):
            d = top - x[base + c]
            if d <= limit:
                total += rescaled[d]
        headroom = 32 - bitlen(total)
        recip = fixedpoint.one_over_one_plus_x(((total << headroom) & 0xFFFFFFFF) - (1 << 31))
        exponent = 35 - headroom
        for c in range(depth):
            d = top - x[base + c]
            if d <= limit:
                v = rdbpot(srdhm(recip, exps[d]), exponent) - 128
                out[base + c] = v if v < 127 else 127
            else:
                out[base + c] = -128


def prepare_softmax(ctx, op):
    (inp,), (out,) = operands(ctx, op, 1)
    quantized_int8(op, inp, out)
    require_type(op, out, INT8)
    if out.zero_point != -128 or out.scale_bits != 0x3B800000:
        raise fail(op, "int8 output must have scale 1/256 and zero point -128")
    if not inp.shape or inp.shape != out.shape:
        raise fail(op, "input and output shapes must match")
    beta_bits = ctx.fb.scalar(op.options, 0, "I", 0) if op.options else 0
    neg, bm, be = qmath.signed_f32_bits(beta_bits)
    if neg:
        raise fail(op, "negative beta is not supported")
    real = qmath.mul(qmath.mul((bm, be), scale(inp), qmath.F64), (1, 26), qmath.F64)
    if not qmath.less(real, ((1 << 31) - 1, 0)):
        real = ((1 << 31) - 1, 0)
    mult, shift = qmath.quantize_multiplier(real)
    if shift < 0:
        raise fail(op, "input scale times beta is too small")
    limit = (31 << 26) >> shift
    exps = array("i", bytes(4 * 256))
    rescaled = array("i", bytes(4 * 256))
    for d in range(min(limit, 255) + 1):
        e = fixedpoint.exp_on_negative_values(srdhm(wrap32(-d << shift), mult), 5)
        exps[d] = e
        rescaled[d] = rdbpot(e, 12)
    depth = inp.shape[-1]
    # exps reach 2**31 - 1, a heap int on 32-bit boards, so the plain kernel reads them
    # from a list (without allocating). The list is made after the loop, in one go: its
    # ints lie together instead of pinning the heap between the loop's temporaries.
    exps = list(exps)
    return pack_softmax(softmax_int8, (ctx.view(op.inputs[0]), ctx.view(op.outputs[0]),
                                       inp.size // depth if depth else 0, depth, exps, rescaled, limit))
