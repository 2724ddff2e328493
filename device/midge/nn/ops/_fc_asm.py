"""FULLY_CONNECTED and 1x1 stride-1 unpadded CONV_2D on this ARM core's asm_thumb
matrix product (``midge.fast.ASM``: ``_fc_dsp_thumb`` with the DSP extension,
``_fc_m0_thumb`` without); imported only where ASM is set.

``matmul_args(...)`` takes ``_fc_viper.matmul_args``'s arguments and returns
``(matmul, (x, w, out, g))``, or None for an op the assembler kernel does not take
(a weight zero point, which int8 TFLite weights do not have, or a shift outside
-31..31); ``pack_fc(kernel, args)`` then falls back to the viper kernel. Outputs
equal the plain kernel's whenever its int32 accumulator does not overflow.
"""

from midge import fast

if fast.ASM == "armv6m":
    from midge.nn.ops import _fc_m0_thumb as _kernel
else:
    from midge.nn.ops import _fc_dsp_thumb as _kernel


def matmul_args(x, w, out, const, mult, shift, batches, depth, units, woff, ooff, amin, amax):
    if woff:
        return None
    g = _kernel.params(depth, units, batches, const, mult, shift, ooff, amin, amax)
    if g is None:
        return None
    return _kernel.matmul, (x, w, out, g)


def pack_fc(kernel, args):
    """FULLY_CONNECTED for the plain ``fc_int8`` arguments: assembler, else viper."""
    found = matmul_args(*args)
    if found is not None:
        return found
    from midge.nn.ops._fc_viper import pack_fc as viper
    return viper(kernel, args)
