"""Viper int32, int16 and byte block copies for midge.window and midge.framestream
(imported only where viper works). Forward copies: safe when dst precedes src."""

import micropython


@micropython.viper
def copy16(dst: ptr16, di: int, src: ptr16, si: int, n: int):
    """dst[di:di+n] = src[si:si+n], int16 items (raw LE bytes read as int16)."""
    i = 0
    while i < n:
        dst[di + i] = src[si + i]
        i += 1


@micropython.viper
def copy8(dst: ptr8, di: int, src: ptr8, si: int, n: int):
    """dst[di:di+n] = src[si:si+n], bytes (int8 items keep their bits)."""
    i = 0
    while i < n:
        dst[di + i] = src[si + i]
        i += 1


@micropython.viper
def copy32(dst: ptr32, di: int, src: ptr32, si: int, n: int):
    """dst[di:di+n] = src[si:si+n], 32-bit items."""
    i = 0
    while i < n:
        dst[di + i] = src[si + i]
        i += 1
