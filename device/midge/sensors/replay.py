"""Recorded data played back as if it were the sensor: the same contract as the
live sensors (``sample_rate``, ``channels``, ``block``, ``readinto``,
``dropped``, ``start``/``stop``), so a pipeline runs unchanged on a file.

- ``WavReplay(source)``: a 16-bit PCM WAV (a path or an open binary file).
- ``CsvReplay(source, sample_rate)``: one frame per line of comma-separated
  integers (a first line that is not numbers is taken as a header); e.g. IMU
  logs with ``ax,ay,az,gx,gy,gz``.

``realtime=True`` paces delivery like the sensor: ``readinto`` sleeps until
the block's last frame would have been captured (``time.ticks_us``, error
carried so the pace does not drift); ``realtime=False`` returns blocks as fast
as they are asked for. At the end of the data ``readinto`` returns 0 and
``done`` is True, unless ``loop=True`` rewinds. WAV replay allocates nothing
per block; CSV replay parses text and allocates per line.
"""

from midge.sensors._clock import sleep_us, ticks_add, ticks_diff, ticks_us
from midge.sensors._pcm import pcm16_to_16


class _Replay:
    dropped = 0

    def __init__(self, sample_rate, channels, block, realtime, loop):
        self.sample_rate = sample_rate
        self.channels = channels
        self.block = block * channels
        self.realtime = realtime
        self.loop = loop
        self.done = False
        self._running = False

    def start(self):
        if self._running:
            return
        self._running = True
        self._due = ticks_us()
        self._rem = 0

    def stop(self):
        self._running = False

    def _pace(self, frames):
        if not self._running:
            self.start()
        if not self.realtime:
            return
        # due += frames * 1e6 / rate, without big ints: carry the remainder.
        us = frames * 1000 // self.sample_rate * 1000
        self._rem += frames * 1000 % self.sample_rate * 1000
        us += self._rem // self.sample_rate
        self._rem %= self.sample_rate
        self._due = ticks_add(self._due, us)
        wait = ticks_diff(self._due, ticks_us())
        if wait > 0:
            sleep_us(wait)

    def _read(self, buf):
        """Fill ``buf`` with up to ``block`` samples; returns the count, 0 at the end of the data."""
        raise NotImplementedError

    def _rewind(self):
        """Go back to the first frame."""
        raise NotImplementedError

    def readinto(self, buf):
        if len(buf) < self.block:
            raise ValueError("readinto buffer holds %d samples; this replay's block is %d" % (len(buf), self.block))
        n = self._read(buf)
        if n == 0 and self.loop:
            self._rewind()
            n = self._read(buf)
        if n == 0:
            self.done = True
            return 0
        self._pace(n // self.channels)
        return n


def _open(source):
    return (open(source, "rb"), True) if isinstance(source, str) else (source, False)


class WavReplay(_Replay):
    """16-bit PCM WAV replay; ``block`` frames per ``readinto``."""

    def __init__(self, source, block=512, realtime=True, loop=False):
        self._f, self._owned = _open(source)
        rate, channels = self._header()
        super().__init__(rate, channels, block, realtime, loop)
        self._raw = bytearray(2 * self.block)

    def _header(self):
        f = self._f
        head = f.read(12)
        if len(head) < 12 or head[0:4] != b"RIFF" or head[8:12] != b"WAVE":
            raise ValueError("not a WAV file (no RIFF/WAVE header)")
        fmt = None
        while True:
            chunk = f.read(8)
            if len(chunk) < 8:
                raise ValueError("WAV file has no data chunk")
            size = chunk[4] | (chunk[5] << 8) | (chunk[6] << 16) | (chunk[7] << 24)
            if chunk[0:4] == b"fmt ":
                fmt = f.read(size)
                if size & 1:
                    f.read(1)
            elif chunk[0:4] == b"data":
                break
            else:
                f.read(size + (size & 1))
        if fmt is None or len(fmt) < 16:
            raise ValueError("WAV file has no fmt chunk before its data")
        tag = fmt[0] | (fmt[1] << 8)
        channels = fmt[2] | (fmt[3] << 8)
        rate = fmt[4] | (fmt[5] << 8) | (fmt[6] << 16) | (fmt[7] << 24)
        bits = fmt[14] | (fmt[15] << 8)
        if tag not in (1, 0xFFFE) or bits != 16:
            raise ValueError("WAV must be 16-bit PCM, got format %d with %d bits" % (tag, bits))
        self._data_start = f.tell()
        self._data_left = self._data_bytes = size
        return rate, channels

    def _rewind(self):
        self._f.seek(self._data_start)
        self._data_left = self._data_bytes

    def _read(self, buf):
        raw = self._raw
        n = self._f.readinto(raw)
        if n is None:
            n = 0
        if n > self._data_left:
            n = self._data_left
        n -= n % (2 * self.channels)
        self._data_left -= n
        pcm16_to_16(raw, n >> 1, buf)
        return n >> 1

    def close(self):
        if self._owned:
            self._f.close()


class CsvReplay(_Replay):
    """CSV replay: ``channels`` integers per line, ``block`` frames per ``readinto``."""

    def __init__(self, source, sample_rate, block=32, realtime=True, loop=False):
        self._f, self._owned = _open(source)
        first = self._f.readline()
        values = self._parse(first)
        if values is None:
            self._start = self._f.tell()
            first = self._f.readline()
            values = self._parse(first)
        else:
            self._start = 0
        if not values:
            raise ValueError("CSV has no rows of integers")
        self._pending = values
        super().__init__(sample_rate, len(values), block, realtime, loop)

    @staticmethod
    def _parse(line):
        text = line.decode() if isinstance(line, bytes) else line
        text = text.strip()
        if not text:
            return []
        try:
            return [int(v) for v in text.split(",")]
        except ValueError:
            return None

    def _rewind(self):
        self._f.seek(self._start)
        self._pending = None

    def _read(self, buf):
        ch = self.channels
        n = 0
        while n + ch <= self.block:
            row = self._pending
            self._pending = None
            if row is None:
                line = self._f.readline()
                row = self._parse(line)
                if row is None:
                    raise ValueError("CSV line %r is not comma-separated integers" % (line,))
                if not row:
                    break
            if len(row) != ch:
                raise ValueError("CSV row has %d values, expected %d" % (len(row), ch))
            for k in range(ch):
                buf[n + k] = row[k]
            n += ch
        return n

    def close(self):
        if self._owned:
            self._f.close()

