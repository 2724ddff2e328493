"""Sample conversions from capture buffers to int16 (plain Python; viper twins
in ``_pcm_viper`` give identical results and are chosen at import).

- ``pcm32_to_16(src, n, dst, shift)``: ``n`` little-endian int32 samples
  (I2S ``bits=32``; an INMP441 puts its 24 bits at the top) -> int16
  ``sample >> shift``, saturated. ``shift=16`` keeps the top 16 bits; 14 adds
  12 dB of gain.
- ``pcm16_to_16(src, n, dst)``: ``n`` little-endian int16 samples copied.
- ``u16_to_16(src, n, dst)``: ``n`` unsigned 16-bit samples centred on 32768
  (CircuitPython ``PDMIn``) -> signed.
- ``copy8(src, n, dst)``: ``n`` bytes copied (no slice objects).
"""

from midge import fast


def _pcm32_to_16_plain(src, n, dst, shift):
    j = 0
    for i in range(n):
        hi = src[j + 2] | (src[j + 3] << 8)
        hi -= (hi & 0x8000) << 1
        v = ((hi << 16) | (src[j + 1] << 8) | src[j]) >> shift
        if v > 32767:
            v = 32767
        elif v < -32768:
            v = -32768
        dst[i] = v
        j += 4


def _pcm16_to_16_plain(src, n, dst):
    j = 0
    for i in range(n):
        v = src[j] | (src[j + 1] << 8)
        dst[i] = v - ((v & 0x8000) << 1)
        j += 2


def _u16_to_16_plain(src, n, dst):
    for i in range(n):
        dst[i] = src[i] - 32768


def _copy8_plain(src, n, dst):
    for i in range(n):
        dst[i] = src[i]


if fast.VIPER:
    from midge.sensors._pcm_viper import copy8, pcm16_to_16, pcm32_to_16, u16_to_16
else:
    copy8 = _copy8_plain
    pcm32_to_16 = _pcm32_to_16_plain
    pcm16_to_16 = _pcm16_to_16_plain
    u16_to_16 = _u16_to_16_plain
