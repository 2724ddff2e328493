"""CONV_2D on this ARM core's asm_thumb matrix product (``midge.fast.ASM``; imported
only where it is set): ``pack_conv(kernel, args)`` takes ``conv.conv_int8``'s
arguments as ``_conv_viper.pack_conv`` does and falls back to it for what the
matrix product does not take (grouped convolutions, a shift outside -31..31).

A 1x1 stride-1 unpadded CONV_2D is the matrix product itself (pixels are rows).
Any other is im2col: ``conv`` (viper), for up to CHUNK_BYTES of windows of an
output row at a time, gathers them into a scratch buffer, each window's taps in
the filter's order (OHWI), and runs those rows through the matrix product against
the filters (the copies are ``_im2col_thumb``'s). A padded CONV_2D first copies
each input image into a padded one whose borders hold the input zero point (made
at load): a tap at the zero point adds nothing to sum((x + ioff) * w), so every
window counts as whole and each output channel's constant is
``bias + ioff * sum(w)``. An unpadded one ("valid") gathers from the input itself.
The outputs equal the plain kernel's whenever its int32 accumulator does not
overflow. The padded image costs (rows + padding) x (columns + padding) x
channels bytes of RAM.
"""

import micropython

from midge.nn.ops._fc_asm import _kernel, matmul_args
from midge.nn.ops._im2col_thumb import copy_rows, gather
from midge.nn.ops._pack_viper import ints

CHUNK_BYTES = 1024
"""The scratch buffer: this many bytes of windows, or one window where it is larger."""


@micropython.viper
def conv(x, padded, buf, w, out, g, gc, gg, mm):
    gp = ptr32(g)
    nb = gp[0]
    oh = gp[1]
    ow = gp[2]
    chunk = gp[3]
    image = gp[4]
    ocn = gp[5]
    row_step = gp[6]
    pixel_step = gp[7]
    rows_at = gp[8]
    out_at = gp[9]
    copy = gp[10]
    gcp = ptr32(gc)
    ggp = ptr32(gg)
    mp = ptr32(mm)
    o = 0
    b = 0
    while b < nb:
        base = b * image
        if copy:
            gcp[4] = base
            copy_rows(padded, x, gc)
            base = 0
        oy = 0
        while oy < oh:
            ox = 0
            while ox < ow:
                n = ow - ox
                if n > chunk:
                    n = chunk
                ggp[0] = n
                ggp[5] = base + oy * row_step + ox * pixel_step
                gather(buf, padded, gg)
                mp[rows_at] = n
                mp[out_at] = o
                _kernel.matmul(buf, w, out, mm)
                o += n * ocn
                ox += n
            oy += 1
        b += 1


def _im2col(x, w, out, const, mult, shift, geom, ioff, ooff, amin, amax):
    """(conv, its args) for a CONV_2D of one group, or None when the matrix product declines."""
    nb, h, wd, c, oh, ow, ocn, fh, fw, fc, sh, sw, dh, dw, ph, pw = geom[:16]
    taps = fh * fw * c
    chunk = max(1, min(ow, CHUNK_BYTES // taps))
    found = matmul_args(None, w, out, const, mult, shift, chunk, taps, ocn, 0, ooff, amin, amax)
    if found is None:
        return None
    rows = max(ph + h, (oh - 1) * sh + (fh - 1) * dh + 1)
    cols = max(pw + wd, (ow - 1) * sw + (fw - 1) * dw + 1)
    copy = (rows, cols) != (h, wd)
    if copy:
        padded = bytearray(rows * cols * c)
        for i in range(len(padded)):
            padded[i] = -ioff & 0xFF  # the borders stay at the input zero point
    else:
        padded = x  # every window lies inside the input: gather from it
    g = ints((nb, oh, ow, chunk, h * wd * c, ocn, sh * cols * c, sw * c, _kernel.ROWS, _kernel.OUT_OFFSET,
              1 if copy else 0))
    gc = ints((h, wd * c, wd * c, cols * c, 0, (ph * cols + pw) * c))
    run = (1, fw * c) if dw == 1 else (fw, c)  # (taps, bytes each) of a window row
    gg = ints((chunk, fh, run[1], dh * cols * c, sw * c, 0, run[0], dw * c))
    return conv, (x, padded, bytearray(chunk * taps), w, out, g, gc, gg, found[1][3])


def pack_conv(kernel, args):
    """CONV_2D for the plain ``conv_int8`` arguments: the matrix product, else viper."""
    x, w, out, wtap, wfull, bias, mult, shift, geom, ioff, ooff, amin, amax = args
    nb, h, wd, c, oh, ow, ocn, fh, fw, fc, sh, sw, dh, dw, ph, pw, fpg = geom
    found = None
    if fpg == ocn:
        const = [bias[i] + ioff * wfull[i] for i in range(ocn)]
        if fh == fw == sh == sw == 1 and ph == pw == 0 and (oh, ow) == (h, wd):
            found = matmul_args(x, w, out, const, mult, shift, nb * h * wd, c, ocn, 0, ooff, amin, amax)
        else:
            found = _im2col(x, w, out, const, mult, shift, geom, ioff, ooff, amin, amax)
    if found is None:  # only then load the viper kernel's code
        from midge.nn.ops._conv_viper import pack_conv as viper
        found = viper(kernel, args)
    return found
