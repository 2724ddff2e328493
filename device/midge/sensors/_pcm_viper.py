"""Viper twins of midge.sensors._pcm (imported only where viper works)."""

import micropython


@micropython.viper
def pcm32_to_16(src: ptr8, n: int, dst: ptr16, shift: int):
    i = 0
    j = 0
    while i < n:
        hi = src[j + 2] | (src[j + 3] << 8)
        hi -= (hi & 0x8000) << 1
        v = ((hi << 16) | (src[j + 1] << 8) | src[j]) >> shift
        if v > 32767:
            v = 32767
        elif v < -32768:
            v = -32768
        dst[i] = v
        i += 1
        j += 4


@micropython.viper
def pcm16_to_16(src: ptr16, n: int, dst: ptr16):
    i = 0
    while i < n:
        dst[i] = src[i]
        i += 1


@micropython.viper
def u16_to_16(src: ptr16, n: int, dst: ptr16):
    i = 0
    while i < n:
        dst[i] = src[i] - 32768
        i += 1


@micropython.viper
def copy8(src: ptr8, n: int, dst: ptr8):
    i = 0
    while i < n:
        dst[i] = src[i]
        i += 1
