"""Viper int16 block copy for midge.window (imported only where viper works)."""

import micropython


@micropython.viper
def copy16(dst: ptr16, di: int, src: ptr16, si: int, n: int):
    """dst[di:di+n] = src[si:si+n], int16 items (raw LE bytes read as int16)."""
    i = 0
    while i < n:
        dst[di + i] = src[si + i]
        i += 1
