"""Recorded data played back as if it were the sensor: the same contract as the
live sensors (``sample_rate``, ``channels``, ``block``, ``readinto``,
``dropped``, ``start``/``stop``), so a pipeline runs unchanged on a file.

- ``WavReplay(source)``: a 16-bit PCM WAV (a path or an open binary file).
- ``CsvReplay(source, sample_rate)``: a CSV recording (``midge.recording``:
  a header, then per line an optional time column and one int16 per
  channel), e.g. an IMU clip ``timestamp_ms,ax,ay,az,gx,gy,gz``; the time
  column is not a channel.

``realtime=True`` paces delivery like the sensor: ``readinto`` sleeps until
the block's last frame would have been captured (``time.ticks_us``, error
carried so the pace does not drift); ``realtime=False`` returns blocks as fast
as they are asked for. At the end of the data ``readinto`` returns 0 and
``done`` is True, unless ``loop=True`` rewinds. WAV replay allocates nothing
per block; CSV replay parses text and allocates per line.
"""

from midge import recording
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
        rate, channels, _, size = recording.parse_wav_header(self._f)
        self._data_start = self._f.tell()
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
    """CSV replay: one frame per data line, ``block`` frames per ``readinto``."""

    def __init__(self, source, sample_rate, block=32, realtime=True, loop=False):
        self._f, self._owned = _open(source)
        self._has_time, self._names = recording.parse_csv_header(self._text(self._f.readline()))
        self._start = self._f.tell()
        self._line = 1
        super().__init__(sample_rate, len(self._names), block, realtime, loop)

    @staticmethod
    def _text(line):
        return line.decode() if isinstance(line, bytes) else line

    def _rewind(self):
        self._f.seek(self._start)
        self._line = 1

    def _read(self, buf):
        ch = self.channels
        n = 0
        while n + ch <= self.block:
            line = self._text(self._f.readline())
            if not line:
                break
            self._line += 1
            if not line.strip():
                continue
            row = recording.parse_csv_row(line, self._has_time, self._names, self._line)[1]
            for k in range(ch):
                buf[n + k] = row[k]
            n += ch
        return n

    def close(self):
        if self._owned:
            self._f.close()
