"""An append-only detection log on flash that survives power cuts and watchdog resets.

Record format (little-endian)::

    0xA5 | n (1 byte, payload length) | payload (n bytes) | CRC-16/CCITT-FALSE of n + payload (2 bytes)

``DetectionLog.detection(t, label_index, score, boot, seq)`` appends a 16-byte
payload: ``t`` (uint32, e.g. seconds since boot or epoch), label index (uint8),
score (uint8, 0..255), 2 reserved zero bytes, ``boot`` (uint32: the boot counter)
and ``seq`` (uint32: the detection's number in this boot), so a logged detection
has the (boot, seq) of the same detection sent over MQTT (``midge.fleet``); logs
written before boot and seq were recorded hold 8-byte payloads, which
``unpack_detection`` reads with boot and seq None. ``append(payload)`` writes
any payload of up to 255 bytes.

Write pattern: every append opens the file in append mode, writes one whole
record and closes it, so a record is on flash when ``append`` returns (on
littlefs, data reaches flash on close) and earlier records are never rewritten.
A power cut or a watchdog reset mid-write leaves at most a torn last record,
which ``records`` detects (length or CRC) and skips. Size bound: when a record
would take the file past ``max_bytes``, the file is renamed to ``path + ".1"``
(replacing the previous one) and a new file begun, so the log holds between
``max_bytes`` and ``2 * max_bytes`` of the newest records. ``records(path)``
yields the payloads of every valid record, oldest first, from both files.
``frame`` and ``intact`` write and check one record (``midge.respond.outbox``
keeps its records in this format too).
"""

import os

from midge.bits import get_le, put_le
from midge.crc import crc16

MAGIC = 0xA5
OVERHEAD = 4
DETECTION_BYTES = 16


def _size(path):
    try:
        return os.stat(path)[6]
    except OSError:
        return 0


class DetectionLog:
    def __init__(self, path, max_bytes=65536):
        if max_bytes < 64:
            raise ValueError("max_bytes must be at least 64, got %r" % (max_bytes,))
        self.path = path
        self.max_bytes = max_bytes
        self._record = bytearray(OVERHEAD + 255)
        self._payload = bytearray(DETECTION_BYTES)
        self._size = _size(path)

    def detection(self, t, label_index, score, boot, seq):
        p = self._payload
        put_le(p, 0, t, 4)
        p[4] = label_index
        p[5] = 255 if score > 255 else 0 if score < 0 else score
        put_le(p, 8, boot, 4)
        put_le(p, 12, seq, 4)
        return self.append(p)

    def append(self, payload):
        """Append one record; returns its size in bytes."""
        n = len(payload)
        if n > 255:
            raise ValueError("log payload of %d bytes; at most 255" % n)
        rec = self._record
        size = frame(rec, payload)
        if self._size + size > self.max_bytes:
            self._rotate()
        with open(self.path, "ab") as f:
            f.write(memoryview(rec)[:size])
        self._size += size
        return size

    def _rotate(self):
        old = self.path + ".1"
        try:
            os.remove(old)
        except OSError:
            pass
        os.rename(self.path, old)
        self._size = 0


def frame(rec, payload):
    """Write the record of ``payload`` (at most 255 bytes) into ``rec`` (a bytearray
    of at least OVERHEAD + 255 bytes); returns the record's size."""
    n = len(payload)
    rec[0] = MAGIC
    rec[1] = n
    for i in range(n):
        rec[2 + i] = payload[i]
    crc = crc16(memoryview(rec)[1:2 + n])
    rec[2 + n] = crc & 0xFF
    rec[3 + n] = crc >> 8
    return n + OVERHEAD


def intact(rec, at=0):
    """True if the CRC of the record at ``rec[at:]`` matches its length byte and
    payload (the first byte, the marker, is not covered)."""
    stop = at + 2 + rec[at + 1]
    return stop + 2 <= len(rec) and crc16(memoryview(rec)[at + 1:stop]) == (rec[stop] | (rec[stop + 1] << 8))


def parse(data):
    """Payloads of the valid records in ``data`` (bytes of one log file), in
    order; torn or corrupt bytes are skipped up to the next valid record."""
    out = []
    i = 0
    end = len(data)
    while i + OVERHEAD <= end:
        if data[i] != MAGIC:
            i += 1
            continue
        if not intact(data, i):
            i += 1
            continue
        stop = i + 2 + data[i + 1]
        out.append(bytes(data[i + 2:stop]))
        i = stop + 2
    return out


def records(path):
    """Payloads of every valid record in ``path + ".1"`` then ``path``, oldest first."""
    out = []
    for name in (path + ".1", path):
        try:
            with open(name, "rb") as f:
                data = f.read()
        except OSError:
            continue
        out += parse(data)
    return out


def unpack_detection(payload):
    """``(t, label_index, score, boot, seq)`` from a ``detection`` payload (boot and
    seq None in an 8-byte payload of an older log)."""
    if len(payload) < DETECTION_BYTES:
        return get_le(payload, 0, 4), payload[4], payload[5], None, None
    return get_le(payload, 0, 4), payload[4], payload[5], get_le(payload, 8, 4), get_le(payload, 12, 4)
