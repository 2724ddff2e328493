"""int8 SOFTMAX, as TFLM's reference kernel: exp of the 256 possible
differences from the row maximum is tabulated at load time; the sum of exps
(Q12) is inverted as TFLM's GetReciprocal does. The viper twin is in
``_softmax_viper``.
"""


from midge import fast
from midge.bits import zeros
from midge.nn import fixedpoint, qmath
from midge.nn.model import INT8
from midge.nn.ops.common import fail, operands, quantized_int8, require_type, scale
from midge.nn.qmath import bitlen, rdbpot, srdhm, wrap32

if fast.VIPER:
    from midge.nn.ops._softmax_viper import pack_softmax
else:
    def pack_softmax(kernel, args):
        """The plain kernel, its table in a list: exps reach 2**31 - 1, heap ints on
        32-bit boards, which a list holds once and the kernel reads without allocating."""
        x, out, rows, depth, table, limit = args
        return kernel, (x, out, rows, depth, list(table), limit)


def softmax_int8(x, out, rows, depth, table, limit):
    """Row-wise softmax over the last axis; output scale 1/256, zero point -128.
    ``table[2 * d]``: the exp (Q31) of a difference ``d`` <= ``limit`` from the
    row's maximum, ``table[2 * d + 1]``: it in Q12, what rows sum.

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
                total += table[2 * d + 1]
        headroom = 32 - bitlen(total)
        recip = fixedpoint.one_over_one_plus_x(((total << headroom) & 0xFFFFFFFF) - (1 << 31))
        exponent = 35 - headroom
        for c in range(depth):
            d = top - x[base + c]
            if d <= limit:
                v = rdbpot(srdhm(recip, table[2 * d]), exponent) - 128
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
    beta_bits = op.options.scalar(0, "I", 0) if op.options else 0
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
    table = zeros("i", 2 * 256)  # see softmax_int8; one array, as the viper kernel reads it
    for d in range(min(limit, 255) + 1):
        e = fixedpoint.exp_on_negative_values(srdhm(wrap32(-d << shift), mult), 5)
        table[2 * d] = e
        table[2 * d + 1] = rdbpot(e, 12)
    depth = inp.shape[-1]
    # (exps go into an array during the loop: heap ints kept in a list there would pin
    # the heap between the loop's temporaries on a 32-bit board)
    return pack_softmax(softmax_int8, (ctx.view(op.inputs[0]), ctx.view(op.outputs[0]),
                                       inp.size // depth if depth else 0, depth, table, limit))
