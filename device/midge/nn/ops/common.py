"""Helpers shared by op preparers: operand checks, options, multipliers."""

import struct
from array import array

from midge.bits import zeros
from midge.nn import qmath
from midge.nn.model import INT8, INT32, TYPE_NAMES, ModelError

SAME, VALID = 0, 1


def fail(op, message):
    """A ModelError naming the op."""
    return ModelError("%s: %s" % (op.name, message))


def operands(ctx, op, n_in, n_out=1, optional=0):
    """Input and output Tensors of ``op``; checks their count (last ``optional`` inputs may be absent)."""
    if not (n_in - optional <= len(op.inputs) <= n_in) or len(op.outputs) != n_out:
        raise fail(op, "expected %d inputs and %d outputs, got %d and %d"
                   % (n_in, n_out, len(op.inputs), len(op.outputs)))
    ins = [ctx.tensor(i) if i >= 0 else None for i in op.inputs]
    ins += [None] * (n_in - len(ins))
    for t in ins[:n_in - optional]:
        if t is None:
            raise fail(op, "a required input is missing")
    return ins, [ctx.tensor(i) for i in op.outputs]


def require_type(op, tensor, *types):
    if tensor.type not in types:
        raise fail(op, "tensor '%s' has type %s; this op supports %s"
                   % (tensor.name, TYPE_NAMES.get(tensor.type), "/".join(TYPE_NAMES[t] for t in types)))


def require_rank(op, tensor, rank):
    if len(tensor.shape) != rank:
        raise fail(op, "tensor '%s' has shape %s; expected %d dimensions" % (tensor.name, list(tensor.shape), rank))


def require_const(op, tensor):
    if tensor.data is None:
        raise fail(op, "tensor '%s' must be a constant in the model" % tensor.name)
    return tensor.data


def scale(tensor):
    """(m, e) of the tensor's (first) scale."""
    return qmath.from_f32_bits(tensor.scale_bits)


def quantized_int8(op, *tensors):
    for t in tensors:
        require_type(op, t, INT8)
        if not t.scales:
            raise fail(op, "tensor '%s' is not quantized" % t.name)


def const_ints(op, tensor, count=None):
    """Values of a constant INT32 tensor."""
    require_type(op, tensor, INT32)
    data = require_const(op, tensor)
    if count is not None and tensor.size != count:
        raise fail(op, "tensor '%s' has %d values, expected %d" % (tensor.name, tensor.size, count))
    return ints_of(data, tensor.size)


def ints_of(data, count):
    """``count`` little-endian int32 values from a buffer."""
    return [struct.unpack_from("<i", data, 4 * i)[0] for i in range(count)]


def same_quant(op, a, b):
    if a.scales[:1] != b.scales[:1] or a.zero_point != b.zero_point:
        raise fail(op, "tensors '%s' and '%s' must share scale and zero point" % (a.name, b.name))


def compute_padding(op, padding, in_size, filt, stride, dilation, out_size):
    """TFLM ComputePaddingHeightWidth for one axis: the leading pad; checks ``out_size``."""
    if stride <= 0 or dilation <= 0 or filt <= 0:
        raise fail(op, "stride, dilation and filter size must be positive")
    effective = (filt - 1) * dilation + 1
    if padding == SAME:
        expected = (in_size + stride - 1) // stride
    elif padding == VALID:
        expected = (in_size - effective + stride) // stride
    else:
        raise fail(op, "unknown padding %d" % padding)
    if expected != out_size:
        raise fail(op, "output size %d does not match the computed %d" % (out_size, expected))
    total = (out_size - 1) * stride + effective - in_size
    return total // 2 if total > 0 else 0


def per_channel_multipliers(op, inp, flt, out, channels, float32_product=False):
    """TFLM conv/FC multipliers: lists (multiplier, shift) per output channel.

    Multipliers are at least 2**30, heap ints on 32-bit boards: they are
    gathered in an array and listed in one go at the end, so they lie together
    instead of pinning the heap between the loop's temporaries."""
    s_in, s_out = scale(inp), scale(out)
    n = len(flt.scales)
    if n not in (1, channels):
        raise fail(op, "filter '%s' has %d scales for %d channels" % (flt.name, n, channels))
    mults = zeros("i", channels)
    shifts = [0] * channels
    for c in range(channels):
        s_f = qmath.from_f32_bits(flt.scales[c if n > 1 else 0])
        prod = qmath.mul(s_in, s_f, qmath.F32 if float32_product else qmath.F64)
        mults[c], shifts[c] = qmath.quantize_multiplier(qmath.div(prod, s_out, qmath.F64))
    return list(mults), shifts


def as_plain(kernel, args):
    """The packer used where viper is off: the plain kernel and its arguments."""
    return kernel, args


def clamp8(v):
    return -128 if v < -128 else (127 if v > 127 else v)


def lut_int8(x, out, n, table):
    """out[i] = table[x[i] + 128]."""
    for i in range(n):
        out[i] = table[x[i] + 128]


def unary_operands(ctx, op):
    """(input, output) Tensors of a one-in, one-out int8 op of equal sizes."""
    (inp,), (out,) = operands(ctx, op, 1)
    quantized_int8(op, inp, out)
    if inp.size != out.size:
        raise fail(op, "input and output sizes differ")
    return inp, out


def lut_step(ctx, op, size, table):
    """The (kernel, args) of a 256-entry int8 lookup from ``op``'s input to its output."""
    return lut_int8, (ctx.view(op.inputs[0]), ctx.view(op.outputs[0]), size, array("b", table))
