"""DEPTHWISE_CONV_2D on this ARM core's asm_thumb kernel (``midge.fast.ASM``:
``_dwconv_dsp_thumb`` with the DSP extension, ``_dwconv_m0_thumb`` without);
imported only where ASM is set.

``pack_depthwise(kernel, args)`` takes ``conv.dwconv_int8``'s arguments as
``_dwconv_viper.pack_depthwise`` does and returns ``(dwconv, (x, w, out, g))``;
it falls back to the viper kernel for a depth multiplier that is not a power of
two, a filter over 255 taps a side, a shift outside -31..31 or an empty output
(the kernels' loops run at least once). Outputs equal the plain kernel's
whenever its int32 accumulator does not overflow.

``g`` is what both kernels read (ints at these byte offsets): 0 batches, 4
output rows, 8 output columns, 12 the channels rounded down to the kernel's
LANES (those it takes LANES at a time; the rest go one by one), 16 channels,
20 dw * c (x from one tap to the next along a filter row), 24 dh * wd * c (from
one filter row to the next), 28 sw * c (from one output column to the next),
32 sh * wd * c, 36 pw * c, 40 ph * wd * c, 44 h * wd * c (a batch), 48 fw *
channels (w per filter row), 52 log2 of the depth multiplier (channel ch reads
input channel ch >> it), 56 the input offset and 60 it in both halves, 64 the
output offset, 68 and 72 the clamp, 76 and 80 where in ``g`` the row and column
tables start; at 84 the kernel's channel parameters; then the tables: per
output row a halfword, the plain kernel's fy0 | (fy1 - fy0) << 8 (its first
filter row inside the input and how many are; 0 when none is), and per output
column fx0 | (fx1 - fx0) << 8. That is 84 bytes, 24 a channel (28 for the
Thumb-1 kernel) and 2 an output row or column; the kernels allocate nothing.
"""

from midge import fast
from midge.nn.ops._pack_viper import ints

if fast.ASM == "armv6m":
    from midge.nn.ops import _dwconv_m0_thumb as _kernel
else:
    from midge.nn.ops import _dwconv_dsp_thumb as _kernel

HEADER = 21  # ints before the channel parameters (the kernels read them at byte 84)


def _windows(n, size, taps, stride, dilation, pad):
    """Per output index: its first tap inside the input | how many are << 8."""
    table = []
    for o in range(n):
        i0 = o * stride - pad
        t0 = 0 if i0 >= 0 else (dilation - 1 - i0) // dilation
        t1 = min(taps, (size - i0 + dilation - 1) // dilation)
        table.append(t0 | (t1 - t0) << 8 if t1 > t0 else 0)
    if len(table) & 1:
        table.append(0)
    return [table[i] | table[i + 1] << 16 for i in range(0, len(table), 2)]


def pack_depthwise(kernel, args):
    """DEPTHWISE_CONV_2D for the plain ``dwconv_int8`` arguments: assembler, else viper."""
    x, w, out, _, bias, mult, shift, geom, ioff, ooff, amin, amax = args
    nb, h, wd, c, oh, ow, ocn, fh, fw, dm, sh, sw, dh, dw, ph, pw = geom
    log2 = 0
    while 1 << log2 < dm:
        log2 += 1
    channels = _kernel.channel_params(bias, mult, shift)
    if 1 << log2 != dm or fh > 255 or fw > 255 or channels is None or not nb * oh * ow:
        from midge.nn.ops._dwconv_viper import pack_depthwise as viper
        return viper(kernel, args)
    rows = _windows(oh, h, fh, sh, dh, ph)
    row = wd * c
    tables = 4 * (HEADER + len(channels))
    g = [nb, oh, ow, ocn - ocn % _kernel.LANES, ocn, dw * c, dh * row, sw * c, sh * row, pw * c, ph * row,
         h * row, fw * ocn, log2, ioff, (ioff & 0xFFFF) | ioff << 16, ooff, amin, amax, tables,
         tables + 4 * len(rows)]
    return _kernel.dwconv, (x, w, out, ints(g + channels + rows + _windows(ow, wd, fw, sw, dw, pw)))
