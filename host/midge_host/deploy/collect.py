"""Receive raw sensor data for `midge collect`.

- ``receive(lines) -> Capture``: decode ``midge.stream`` frame lines (see that
  module), checking every CRC and sequence number: ``bad_crc`` counts frames
  whose CRC failed (their samples are dropped), ``missing`` counts sequence
  numbers never received, ``sensor_dropped`` is what the board's sensor lost.
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
  IMU), then imported into ``data/<label>/`` exactly as `midge data import`
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
    for line in lines:
        if line.startswith("{"):
            record = json.loads(line)
            if record.get("ev") == "stream":
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
        if len(frame) != HEAD.size + 2 * count + 2:
            cap.bad_crc += 1
            continue
        if expect is not None and seq != expect:
            cap.missing += (seq - expect) & 0xFFFF
        expect = (seq + 1) & 0xFFFF
        cap.sensor_dropped = dropped
        cap.chunks.append(np.frombuffer(frame, dtype="<i2", count=count, offset=HEAD.size).copy())
        cap.frames_received += count // max(cap.channels, 1)
    if cap.end is None:
        cap.missing += 1  # the end line itself never came: the stream was cut
    else:  # frames lost after the last one received show only in the board's count
        accounted = len(cap.chunks) + cap.bad_crc + cap.missing
        cap.missing += max(0, cap.end.get("lines", 0) - accounted)
    return cap


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
    elif project.sensor == "microphone":
        if cap.channels != 1:
            raise MidgeError(f"the board sent {cap.channels} channels; a microphone project records mono")
        suffix, payload = ".wav", recordings.encode_wav(samples[:, 0], rate)
    else:
        raise MidgeError("`midge collect` records audio and IMU data; bring images in with `midge data import`")
    folder = project.dir / CAPTURES
    stem = f"{time.strftime('%Y%m%dT%H%M%S')}__{label}"
    path = folder / f"{stem}{suffix}"
    n = 2
    while path.exists():
        path, n = folder / f"{stem}-{n}{suffix}", n + 1
    write_atomic(path, payload)
    report = importer.import_sources(project, [path], importer.Options(label=label, units="counts"))
    return path, report
