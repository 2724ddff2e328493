"""WAV files as people have them: the host's one WAV parser. `midge data import`
reads any common PCM or float WAV with it and converts; the strict reader of
a project's own files (16-bit PCM: ``midge.recording``) is
``midge_host.recordings``, built on ``info``.

Contract:

- ``info(path) -> WavInfo``: rate, channels, bits, encoding ("pcm" or
  "float") and frames, from the header only.
- ``read(path) -> (WavInfo, samples)``: samples as float64, shape (frames,
  channels), full scale +-1.0: unsigned 8-bit, signed 16/24/32-bit PCM and
  32/64-bit float, plain or WAVE_FORMAT_EXTENSIBLE.
- ``to_int16(samples) -> (int16 array, clipped count)``: round to 16 bits, no
  dither (16-bit input converts back exactly).

Anything else (not RIFF/WAVE, compressed formats, a truncated header) is a
MidgeError naming the file and the problem.
"""

import struct
from dataclasses import dataclass

import numpy as np

from midge_host.errors import MidgeError

PCM = 1
IEEE_FLOAT = 3
EXTENSIBLE = 0xFFFE
HINT = "midge reads RIFF WAV files: PCM 8/16/24/32-bit or float 32/64-bit; convert others with sox"


@dataclass(frozen=True)
class WavInfo:
    rate: int
    channels: int
    bits: int
    encoding: str
    frames: int
    data_offset: int

    @property
    def seconds(self):
        return self.frames / self.rate

    @property
    def format(self):
        """A short description such as ``44100 Hz stereo 24-bit pcm``."""
        layout = {1: "mono", 2: "stereo"}.get(self.channels, f"{self.channels}-channel")
        return f"{self.rate} Hz {layout} {self.bits}-bit {self.encoding}"


def _fail(path, problem):
    raise MidgeError(f"{path}: {problem}", hint=HINT)


def info(path):
    """The header of the WAV file at ``path``."""
    with open(path, "rb") as f:
        head = f.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            _fail(path, "not a WAV file (no RIFF/WAVE header)")
        fmt = None
        while True:
            chunk = f.read(8)
            if len(chunk) < 8:
                _fail(path, "no data chunk" if fmt else "no fmt chunk")
            cid, size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
            if cid == b"fmt ":
                body = f.read(size)
                if len(body) < 16:
                    _fail(path, "truncated fmt chunk")
                fmt = body
            elif cid == b"data":
                if fmt is None:
                    _fail(path, "data chunk before the fmt chunk")
                offset = f.tell()
                f.seek(0, 2)
                size = min(size, f.tell() - offset)  # streamed files may claim 0xFFFFFFFF
                return _parse_fmt(path, fmt, size, offset)
            else:
                f.seek(size + (size & 1), 1)


def _parse_fmt(path, fmt, size, offset):
    tag, channels, rate, _, align, bits = struct.unpack("<HHIIHH", fmt[:16])
    if tag == EXTENSIBLE:
        if len(fmt) < 40:
            _fail(path, "truncated WAVE_FORMAT_EXTENSIBLE header")
        tag = struct.unpack("<H", fmt[24:26])[0]
    if tag == PCM and bits in (8, 16, 24, 32):
        encoding = "pcm"
    elif tag == IEEE_FLOAT and bits in (32, 64):
        encoding = "float"
    else:
        _fail(path, f"unsupported WAV encoding (format tag {tag}, {bits} bits)")
    if channels < 1 or rate < 1 or align != channels * bits // 8:
        _fail(path, f"inconsistent WAV header ({channels} channels, {rate} Hz, block {align})")
    return WavInfo(rate, channels, bits, encoding, size // align, offset)


def read(path):
    """(WavInfo, float64 samples of shape (frames, channels))."""
    meta = info(path)
    width = meta.bits // 8
    with open(path, "rb") as f:
        f.seek(meta.data_offset)
        raw = f.read(meta.frames * meta.channels * width)
    if meta.encoding == "float":
        x = np.frombuffer(raw, dtype=f"<f{width}").astype(np.float64)
        if not np.all(np.isfinite(x)):
            _fail(path, "float samples include NaN or infinity")
    elif meta.bits == 8:
        x = (np.frombuffer(raw, dtype=np.uint8).astype(np.float64) - 128) / 128
    elif meta.bits == 24:
        b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        v = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        x = (v - ((v & 0x800000) << 1)) / float(1 << 23)
    else:
        x = np.frombuffer(raw, dtype=f"<i{width}").astype(np.float64) / float(1 << (meta.bits - 1))
    return meta, x.reshape(-1, meta.channels)


def to_int16(samples):
    """(int16 samples, number clipped): round(x * 32768) saturated to int16."""
    scaled = np.rint(np.asarray(samples, dtype=np.float64) * 32768)
    clipped = int(np.count_nonzero((scaled > 32767) | (scaled < -32768)))
    return np.clip(scaled, -32768, 32767).astype(np.int16), clipped
