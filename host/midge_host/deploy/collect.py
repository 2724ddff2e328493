"""Receive raw sensor data for `midge collect`.

- ``receive(lines) -> Capture``: decode ``midge.stream`` frame lines (see that
  module), checking every CRC and sequence number: ``bad_crc`` counts frames
  whose CRC failed (their samples are dropped), ``missing`` counts sequence
  numbers never received, ``sensor_dropped`` is what the board's sensor lost.
  A camera's stream (``"kind": "image"``) gives ``Capture.images``: one
  (height, width) uint8 array per image whose lines all came good; an image
  with a lost or corrupt line is dropped and counted in ``images_lost``.
- ``receive_forwarder(lines, rate, channels=None) -> Capture``: Edge Impulse
  data forwarder style: one line of comma-separated integers per sample
  (``channels``: the count of the first good line unless given); lines that
  are not numbers, have another count of values, or hold fractional values
  (midge records int16: print raw counts or scaled integers) are counted in
  ``bad_lines``, the last kind also in ``fractional_lines``; values outside
  int16 are clipped.
- ``save(capture, project, label, rate) -> (Path, Report)``: the capture kept
  in ``DIR/captures/`` in the project's recording format (``midge.recording``:
  a WAV for a microphone, a CSV of the project's ``input.columns`` for an
  IMU, an image recording ``midge.pgm`` for a camera), then imported into ``data/<label>/`` exactly as `midge data import`
  would, so `stats` and `train` read what `collect` wrote.
"""

import base64
import struct
import time
from dataclasses import dataclass, field

import numpy as np

from midge.crc import crc16
from midge_host.errors import MidgeError
from midge_host.files import write_atomic

HEAD = struct.Struct("<HHI")
CAPTURES = "captures"


@dataclass
class Capture:
    sample_rate: int = 0
    channels: int = 1
    chunks: list = field(default_factory=list)
    frames_received: int = 0
    bad_crc: int = 0
    missing: int = 0
    sensor_dropped: int = 0
    bad_lines: int = 0
    fractional_lines: int = 0
    end: dict = None
    image: dict = None  # a camera's stream line: width, height, fps, chunk
    images: list = field(default_factory=list)
    images_lost: int = 0

    @property
    def samples(self):
        flat = np.concatenate(self.chunks) if self.chunks else np.zeros(0, dtype="<i2")
        return flat.reshape(-1, self.channels)

    @property
    def lost(self):
        return self.bad_crc + self.missing + self.sensor_dropped + self.bad_lines


def receive(lines):
    import json

    cap = Capture()
    expect = None
    at = 0  # the stream index of the next line (seq counts it mod 65536)
    pixels = {}  # a camera's lines by stream index
    good = 0  # lines received intact
    for line in lines:
        if line.startswith("{"):
            record = json.loads(line)
            if record.get("ev") == "stream" and record.get("kind") == "image":
                cap.image = record
                cap.sample_rate = record["fps"]
            elif record.get("ev") == "stream":
                cap.sample_rate, cap.channels = record["sample_rate"], record["channels"]
            elif record.get("ev") == "stream_end":
                cap.end = record
                cap.sensor_dropped = record.get("dropped", 0)
            continue
        if not line.startswith("="):
            continue
        try:
            frame = base64.b64decode(line[1:], validate=True)
        except ValueError:
            cap.bad_crc += 1
            continue
        if len(frame) < HEAD.size + 2 or crc16(frame[:-2]) != int.from_bytes(frame[-2:], "little"):
            cap.bad_crc += 1
            continue
        seq, count, dropped = HEAD.unpack_from(frame)
        width = 1 if cap.image else 2
        if len(frame) != HEAD.size + width * count + 2:
            cap.bad_crc += 1
            continue
        if expect is not None and seq != expect:
            cap.missing += (seq - expect) & 0xFFFF
        at += (seq - at) & 0xFFFF
        expect = (seq + 1) & 0xFFFF
        cap.sensor_dropped = dropped
        good += 1
        if cap.image:
            pixels[at] = frame[HEAD.size:HEAD.size + count]
        else:
            cap.chunks.append(np.frombuffer(frame, dtype="<i2", count=count, offset=HEAD.size).copy())
            cap.frames_received += count // max(cap.channels, 1)
        at += 1
    if cap.end is None:
        cap.missing += 1  # the end line itself never came: the stream was cut
    else:  # frames lost after the last one received show only in the board's count
        accounted = good + cap.bad_crc + cap.missing
        cap.missing += max(0, cap.end.get("lines", 0) - accounted)
    if cap.image:
        _assemble(cap, pixels)
    return cap


def _assemble(cap, pixels):
    """``cap.images`` from a camera's lines by stream index (see ``receive``)."""
    w, h, chunk = cap.image["width"], cap.image["height"], cap.image["chunk"]
    per_image = -(-w * h // chunk)
    sent = cap.end["frames"] if cap.end else (max(pixels, default=-1) // per_image + 1)
    for k in range(sent):
        parts = [pixels.get(k * per_image + j) for j in range(per_image)]
        if any(p is None for p in parts) or sum(map(len, parts)) != w * h:
            cap.images_lost += 1
            continue
        cap.images.append(np.frombuffer(b"".join(parts), np.uint8).reshape(h, w))
    cap.frames_received = len(cap.images)


def receive_forwarder(lines, rate, channels=None):
    cap = Capture(sample_rate=rate)
    rows = []
    for line in lines:
        line = line.strip()
        if not line:
            continue
        try:
            numbers = [float(v) for v in line.split(",")]
        except ValueError:
            cap.bad_lines += 1
            continue
        if any(v != v or v in (float("inf"), float("-inf")) for v in numbers):
            cap.bad_lines += 1
            continue
        values = [int(v) for v in numbers]
        if values != numbers:
            cap.bad_lines += 1
            cap.fractional_lines += 1
            continue
        if channels is None:
            channels = len(values)
        if len(values) != channels:
            cap.bad_lines += 1
            continue
        rows.append(values)
    cap.channels = channels or 1
    if rows:
        cap.chunks.append(np.clip(np.array(rows), -32768, 32767).astype("<i2").reshape(-1))
    cap.frames_received = len(rows)
    return cap


def save(cap, project, label, rate=None):
    """Keep ``cap`` as ``DIR/captures/<stamp>__<label>.wav|csv`` (written
    atomically, never overwritten), then import it into ``data/<label>/`` as
    `midge data import` does (cut into windows, indexed, resumable). Returns
    (capture path, import Report). MidgeError if the capture's channels do not
    fit the project."""
    from midge_host import recordings
    from midge_host.dataset import importer

    rate = rate or cap.sample_rate
    samples = cap.samples
    if project.sensor == "imu":
        columns = list(project.input["columns"])
        if cap.channels != len(columns):
            raise MidgeError(f"the board sent {cap.channels} values per sample; the project reads "
                             f"{len(columns)} ({', '.join(columns)})",
                             hint="collect with the sensor the project is for, or fix input.columns")
        suffix, payload = ".csv", recordings.encode_csv(samples, rate, columns)
    elif project.sensor == "camera":
        if not cap.image:
            raise MidgeError("the board sent sensor samples; a camera project records images",
                             hint="deploy the project to the board first (`midge deploy`)")
        from midge import pgm
        suffix = ".pgm"
        payload = b"".join(pgm.header(img.shape[1], img.shape[0]) + img.tobytes() for img in cap.images)
    elif project.sensor == "microphone":
        if cap.channels != 1:
            raise MidgeError(f"the board sent {cap.channels} channels; a microphone project records mono")
        suffix, payload = ".wav", recordings.encode_wav(samples[:, 0], rate)
    else:
        raise MidgeError(f"`midge collect` records microphones, IMUs and cameras, not {project.sensor!r}")
    folder = project.dir / CAPTURES
    stem = f"{time.strftime('%Y%m%dT%H%M%S')}__{label}"
    path = folder / f"{stem}{suffix}"
    n = 2
    while path.exists():
        path, n = folder / f"{stem}-{n}{suffix}", n + 1
    write_atomic(path, payload)
    report = importer.import_sources(project, [path], importer.Options(label=label, units="counts"))
    return path, report
