"""Raw sensor data to the host for `midge collect`: framed, numbered, checksummed.

``collect(config, seconds)`` builds the sensor from midge.json (board glue or
replay) and ``send(sensor, seconds)`` streams it: each ``readinto`` block
becomes one text line (safe through any REPL transport)::

    "=" base64(frame) "\\n"
    frame = seq (u16) | count (u16, int16 values) | dropped (u32, frames the sensor
            lost so far) | count x int16 samples | CRC-16/CCITT-FALSE (u16) of all before it

all little-endian. The host checks every CRC and that ``seq`` increments by
one (mod 65536), so a lost or corrupt line is counted, never silently glued
over; ``dropped`` reports frames the sensor itself lost. Before the frames a
JSON line ``{"ev":"stream","sample_rate","channels","seconds"}``; after
them ``{"ev":"stream_end","frames":N,"lines":L,"dropped":D}``. Sending
allocates per line (base64 text); this mode only captures.
"""

import json
import sys
from binascii import b2a_base64

from midge.bits import put_le, zeros
from midge.crc import crc16


def send(sensor, seconds, out=None):
    """Stream ``seconds`` of ``sensor`` as frame lines on ``out`` (stdout); returns frames sent."""
    out = out or sys.stdout
    rate = sensor.sample_rate
    ch = sensor.channels
    block = getattr(sensor, "block", 512 * ch)
    samples = zeros("h", block)
    frame = bytearray(8 + 2 * block + 2)
    raw = memoryview(frame)
    out.write(json.dumps({"ev": "stream", "sample_rate": rate, "channels": ch, "seconds": seconds}) + "\n")
    total = int(seconds * rate)
    sent = 0
    seq = 0
    lines = 0
    sensor.start()
    try:
        while sent < total:
            n = sensor.readinto(samples)
            if n == 0:
                if getattr(sensor, "done", False):
                    break
                continue
            frames = n // ch
            if sent + frames > total:
                frames = total - sent
                n = frames * ch
            put_le(frame, 0, seq, 2)
            put_le(frame, 2, n, 2)
            put_le(frame, 4, sensor.dropped, 4)
            for i in range(n):
                put_le(frame, 8 + 2 * i, samples[i], 2)
            end = 8 + 2 * n
            crc = crc16(raw[:end])
            put_le(frame, end, crc, 2)
            out.write("=")
            line = b2a_base64(raw[:end + 2])  # type: ignore[arg-type]  # takes any buffer; the stub says bytes
            out.write(line.decode())  # b2a_base64 ends with "\n"
            seq = (seq + 1) & 0xFFFF
            lines += 1
            sent += frames
    finally:
        sensor.stop()
    out.write(json.dumps({"ev": "stream_end", "frames": sent, "lines": lines, "dropped": sensor.dropped}) + "\n")
    return sent


def collect(config="midge.json", seconds=10):
    """Stream ``seconds`` from the sensor that midge.json describes."""
    from midge import app_config
    from midge.app_build import sensor as build_sensor
    conf = app_config.load(config)
    glue = None
    if conf["board"] is not None:
        from midge.boards import load
        glue = load(conf["board"])
    return send(build_sensor(conf, glue), seconds)
