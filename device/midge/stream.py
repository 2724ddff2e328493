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

A camera (a sensor with ``width`` and ``height``: ``midge.sensors.camera``,
``midge.sensors.image_replay``) streams ``seconds * fps`` frames (at least
one), each as ``ceil(width * height / chunk)`` lines whose values are pixel
bytes (``count`` bytes, not int16), rows top to bottom; the stream line is
``{"ev":"stream","kind":"image","width","height","fps","chunk","seconds"}``
(``chunk``: pixel bytes per line, the last line of a frame holds the rest)
and ``frames`` at the end counts images. Line ``k`` of the stream is line
``k % per_frame`` of image ``k // per_frame``, so a lost line costs only its
image.
"""

import json
import sys
from binascii import b2a_base64

from midge.bits import put_le, zeros
from midge.crc import crc16


IMAGE_CHUNK = 1024
"""Pixel bytes per line of a camera stream."""


def _line(out, frame, raw, end):
    """Finish ``frame`` (header filled, ``end`` bytes) with its CRC and write it as one line."""
    put_le(frame, end, crc16(raw[:end]), 2)
    out.write("=")
    line = b2a_base64(raw[:end + 2])
    out.write(line.decode())  # b2a_base64 ends with "\n"


def send_images(camera, seconds, out=None):
    """Stream ``seconds * camera.fps`` frames (at least one) of ``camera`` on ``out``
    (stdout) as the module docstring says; returns frames sent."""
    out = out or sys.stdout
    w, h = camera.width, camera.height
    fps = getattr(camera, "fps", 1)
    size = w * h
    pixels = bytearray(size)
    view = memoryview(pixels)
    frame = bytearray(8 + IMAGE_CHUNK + 2)
    raw = memoryview(frame)
    out.write(json.dumps({"ev": "stream", "kind": "image", "width": w, "height": h, "fps": fps,
                          "chunk": IMAGE_CHUNK, "seconds": seconds}) + "\n")
    total = max(1, int(seconds * fps))
    sent = seq = lines = 0
    camera.start()
    try:
        while sent < total:
            if camera.readinto(pixels) == 0:
                if getattr(camera, "done", False):
                    break
                continue
            for at in range(0, size, IMAGE_CHUNK):
                n = min(IMAGE_CHUNK, size - at)
                put_le(frame, 0, seq, 2)
                put_le(frame, 2, n, 2)
                put_le(frame, 4, camera.dropped, 4)
                raw[8:8 + n] = view[at:at + n]
                _line(out, frame, raw, 8 + n)
                seq = (seq + 1) & 0xFFFF
                lines += 1
            sent += 1
    finally:
        camera.stop()
    out.write(json.dumps({"ev": "stream_end", "frames": sent, "lines": lines, "dropped": camera.dropped}) + "\n")
    return sent


def send(sensor, seconds, out=None):
    """Stream ``seconds`` of ``sensor`` as frame lines on ``out`` (stdout); returns
    frames sent (a camera: ``send_images``)."""
    if hasattr(sensor, "width"):
        return send_images(sensor, seconds, out)
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
            _line(out, frame, raw, 8 + 2 * n)
            seq = (seq + 1) & 0xFFFF
            lines += 1
            sent += frames
    finally:
        sensor.stop()
    out.write(json.dumps({"ev": "stream_end", "frames": sent, "lines": lines, "dropped": sensor.dropped}) + "\n")
    return sent


def collect(config="midge.json", seconds=10):
    """Stream ``seconds`` from the sensor that midge.json describes (a camera
    model's: frames of the model's size)."""
    from midge import app_config, meta
    from midge.app_build import image_size, sensor as build_sensor
    conf = app_config.load(config)
    glue = None
    if conf["board"] is not None:
        from midge.boards import load
        glue = load(conf["board"])
    return send(build_sensor(conf, glue, image_size(meta.read(conf["meta"]))), seconds)
