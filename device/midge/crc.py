"""CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF): checksums for log records and
framed sensor streams. ``crc16(buf, crc=0xFFFF)`` continues a running CRC."""

from midge import fast


def _crc16_plain(buf, crc=0xFFFF):
    for byte in buf:
        crc ^= byte << 8
        for _ in range(8):
            if crc & 0x8000:
                crc = ((crc << 1) ^ 0x1021) & 0xFFFF
            else:
                crc = (crc << 1) & 0xFFFF
    return crc


if fast.VIPER:
    from midge._crc_viper import crc16_viper as _crc16_fast

    def crc16(buf, crc=0xFFFF):
        return _crc16_fast(buf, len(buf), crc)
else:
    crc16 = _crc16_plain
