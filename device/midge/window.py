"""Sliding windows over a stream of interleaved int16 samples.

A producer (I2S or IMU FIFO reader) calls ``feed`` with chunks of any size; a
consumer calls ``take`` for each window of ``size`` frames (one int16 per
channel, interleaved) starting every ``hop`` frames: ``hop < size`` overlaps,
``hop == size`` tiles, ``hop > size`` skips ``hop - size`` frames between windows.

    w = Windows(size=480, hop=320)            # 30 ms / 20 ms at 16 kHz
    n = i2s.readinto(buf)                     # buf: preallocated bytearray
    w.feed(buf, n // 2)
    frame = w.take()                          # None until a window is complete
    while frame is not None:
        features = frontend.process(frame)
        frame = w.take()

Contracts:
- Zero allocation after construction: the ring and the window buffer are
  preallocated; ``take`` returns the same memoryview each time, refilled in
  place and valid until the next ``take``.
- ``feed`` accepts array('h') or a memoryview of one (int16 items), or
  bytes/bytearray holding raw little-endian int16; ``count`` limits it to the
  first ``count`` int16 values (use it with a preallocated buffer instead of a
  slice, which would allocate). A chunk must hold whole frames.
- Bounded queue: the ring holds ``depth`` pending windows. When the producer
  outruns the consumer, the oldest unconsumed frames are discarded, counted in
  ``dropped`` (frames, i.e. samples per channel), and the next window starts at
  the oldest frame kept, so a window never joins samples across a loss; ``gap``
  is True for the first window taken after a loss.
"""

from midge import fast
from midge.bits import zeros


def _copy_plain(dst, di, src, si, n):
    for k in range(n):
        dst[di + k] = src[si + k]


def _copy_bytes_plain(dst, di, src, si, n):
    j = 2 * si
    for k in range(n):
        v = src[j] | (src[j + 1] << 8)
        dst[di + k] = v - ((v & 0x8000) << 1)
        j += 2


if fast.VIPER:
    from midge.dsp._copy_viper import copy16

    _copy = copy16
    _copy_bytes = copy16
else:
    _copy = _copy_plain
    _copy_bytes = _copy_bytes_plain


class Windows:
    """Ring buffer of ``channels`` interleaved int16 channels yielding windows
    of ``size`` frames every ``hop`` frames, holding up to ``depth`` pending windows."""

    def __init__(self, size, hop, channels=1, depth=2):
        for name, value in (("size", size), ("hop", hop), ("channels", channels), ("depth", depth)):
            if not isinstance(value, int) or value < 1:
                raise ValueError("window %s must be a positive int, got %r" % (name, value))
        self.size = size
        self.hop = hop
        self.channels = channels
        self._capacity = size + (depth - 1) * hop
        self._ring = zeros("h", self._capacity * channels)
        self._out = zeros("h", size * channels)
        self._view = memoryview(self._out)
        self._dropped = 0
        self.reset()

    def reset(self):
        """Forget buffered samples (``dropped`` is kept)."""
        self._start = 0  # ring frame of the next window's first frame
        self._count = 0  # frames buffered from _start on
        self._skip = 0  # frames still to discard before the next window (hop > size)
        self._lost = False
        self.gap = False

    @property
    def dropped(self):
        """Frames discarded because the consumer fell behind (since construction)."""
        return self._dropped

    @property
    def ready(self):
        """Number of complete windows waiting to be taken."""
        if self._count < self.size:
            return 0
        return (self._count - self.size) // self.hop + 1

    def feed(self, samples, count=None):
        """Append interleaved int16 samples (see the module contract)."""
        kind = type(samples)
        raw = kind is bytes or kind is bytearray  # (no tuple: it would allocate)
        have = len(samples) >> 1 if raw else len(samples)
        if count is None:
            count = have
        elif count < 0 or count > have:
            raise ValueError("feed count %d outside 0..%d" % (count, have))
        ch = self.channels
        if count % ch:
            raise ValueError("fed %d int16 values: not whole %d-channel frames" % (count, ch))
        frames = count // ch
        pos = 0
        if self._skip:
            pos = frames if frames < self._skip else self._skip
            self._skip -= pos
            frames -= pos
        cap = self._capacity
        excess = self._count + frames - cap
        if excess > 0:
            self._dropped += excess
            self._lost = True
            old = excess if excess < self._count else self._count
            self._start = (self._start + old) % cap
            self._count -= old
            pos += excess - old
            frames -= excess - old
        copy = _copy_bytes if raw else _copy
        ring = self._ring
        while frames:
            end = (self._start + self._count) % cap
            n = cap - end
            if n > frames:
                n = frames
            copy(ring, end * ch, samples, pos * ch, n * ch)
            self._count += n
            pos += n
            frames -= n

    def take(self):
        """The next window (memoryview of size*channels int16, interleaved) or None."""
        size = self.size
        if self._count < size:
            return None
        cap = self._capacity
        ch = self.channels
        start = self._start
        first = cap - start
        if first > size:
            first = size
        _copy(self._out, 0, self._ring, start * ch, first * ch)
        if first < size:
            _copy(self._out, first * ch, self._ring, 0, (size - first) * ch)
        hop = self.hop
        if hop <= self._count:
            self._start = (start + hop) % cap
            self._count -= hop
        else:
            self._skip = hop - self._count
            self._start = (start + self._count) % cap
            self._count = 0
        self.gap = self._lost
        self._lost = False
        return self._view
