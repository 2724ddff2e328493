"""Viper twin of midge.crc (imported only where viper works)."""

import micropython


@micropython.viper
def crc16_viper(buf: ptr8, n: int, crc: int) -> int:
    i = 0
    while i < n:
        crc ^= buf[i] << 8
        bit = 0
        while bit < 8:
            if crc & 0x8000:
                crc = ((crc << 1) ^ 0x1021) & 0xFFFF
            else:
                crc = (crc << 1) & 0xFFFF
            bit += 1
        i += 1
    return crc
