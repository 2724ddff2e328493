"""Operator registry: op name -> preparer ``(ctx, op) -> (kernel, args)``.

A preparer validates the op against its tensors, does all float and table
work once, and returns a kernel function plus the argument tuple that
``kernel(*args)`` runs on every invoke. ``preparer(name)`` imports only the
module of the op asked for, so a model's unused ops take no heap, and
``module_of(name)`` names it, so the interpreter can unload it after the
model's last op of that kind (the kernels it returned stay alive).
"""

PREPARERS = {
    "ADD": ("elementwise", "prepare_addsub"),
    "SUB": ("elementwise", "prepare_addsub"),
    "MUL": ("elementwise", "prepare_mul"),
    "AVERAGE_POOL_2D": ("pool", "prepare_pool"),
    "MAX_POOL_2D": ("pool", "prepare_pool"),
    "MEAN": ("pool", "prepare_mean"),
    "CONV_2D": ("conv", "prepare_conv"),
    "DEPTHWISE_CONV_2D": ("conv", "prepare_depthwise"),
    "FULLY_CONNECTED": ("fc", "prepare"),
    "SOFTMAX": ("softmax", "prepare_softmax"),
    "LOGISTIC": ("sigmoid", "prepare_sigmoid"),
    "TANH": ("sigmoid", "prepare_sigmoid"),
    "RELU": ("activations", "prepare_unary"),
    "RELU6": ("activations", "prepare_unary"),
    "LEAKY_RELU": ("activations", "prepare_unary"),
    "HARD_SWISH": ("hard_swish", "prepare_hard_swish"),
    "QUANTIZE": ("quant", "prepare_quantize"),
    "DEQUANTIZE": ("quant", "prepare_dequantize"),
    "RESHAPE": ("reshape", "prepare_reshape"),
    "SQUEEZE": ("reshape", "prepare_reshape"),
    "EXPAND_DIMS": ("reshape", "prepare_reshape"),
    "SHAPE": ("shape", "prepare_shape"),
    "STRIDED_SLICE": ("shape", "prepare_strided_slice"),
    "PACK": ("shape", "prepare_pack"),
    "CONCATENATION": ("shape", "prepare_concat"),
    "PAD": ("shape", "prepare_pad"),
}
"""op name -> (module in midge.nn.ops, preparer function)."""


def module_of(name):
    """The module of op ``name``'s preparer (its kernels may live elsewhere)."""
    return "midge.nn.ops." + PREPARERS[name][0]


def preparer(name):
    """The preparer of op ``name`` (its module imported on first use)."""
    module, function = PREPARERS[name]
    return getattr(__import__("midge.nn.ops." + module, None, None, [function]), function)
