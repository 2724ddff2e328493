"""Block copies for the buffers the app streams through, viper where it works.

``copy16(dst, di, src, si, n)``: ``dst[di:di+n] = src[si:si+n]`` over int16
items; ``copy8`` the same over bytes (int8 items keep their bits), ``copy32``
over 32-bit items;
``copy16_from_bytes``: int16 items from raw little-endian bytes. All copy
forward, so they are safe when ``dst`` precedes ``src`` in one buffer.
"""

from midge import fast


def _copy_plain(dst, di, src, si, n):
    for k in range(n):
        dst[di + k] = src[si + k]


def _copy_bytes_plain(dst, di, src, si, n):
    j = 2 * si
    for k in range(n):
        v = src[j] | (src[j + 1] << 8)
        dst[di + k] = v - ((v & 0x8000) << 1)
        j += 2


if fast.VIPER:
    from midge.dsp._copy_viper import copy8, copy16, copy32

    copy16_from_bytes = copy16
else:
    copy16 = copy8 = copy32 = _copy_plain
    copy16_from_bytes = _copy_bytes_plain
