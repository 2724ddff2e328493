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
- Zero allocation after construction: one buffer of ``size + spare`` frames
  (``spare`` defaults to ``(depth - 1) * hop``), preallocated. A consumer
  that feeds at most ``spare`` frames at a time and takes every window
  before feeding again (the app) never loses a frame with that ``spare``. Windows are not copied out: ``take`` moves the
  pending frames to the front of the buffer when the window does not start
  there, and returns the same memoryview (the buffer's first ``size`` frames)
  each time, valid until the next ``take`` or ``feed``.
- ``feed`` accepts array('h') or a memoryview of one (int16 items), or
  bytes/bytearray holding raw little-endian int16; ``count`` limits it to the
  first ``count`` int16 values (use it with a preallocated buffer instead of a
  slice, which would allocate). A chunk must hold whole frames.
- Bounded queue: the buffer holds ``depth`` pending windows (or one window and
  ``spare`` frames). When the producer outruns the consumer, the oldest unconsumed frames are discarded, counted in
  ``dropped`` (frames, i.e. samples per channel), and the next window starts at
  the oldest frame kept, so a window never joins samples across a loss; ``gap``
  is True for the first window taken after a loss.
"""

from midge.bits import zeros
from midge.blockcopy import copy16 as _copy
from midge.blockcopy import copy16_from_bytes as _copy_bytes


class Windows:
    """Buffer of ``channels`` interleaved int16 channels yielding windows
    of ``size`` frames every ``hop`` frames, holding up to ``depth`` pending
    windows, or one window and ``spare`` frames."""

    def __init__(self, size, hop, channels=1, depth=2, spare=None):
        if spare is None:
            spare = (depth - 1) * hop if isinstance(hop, int) and isinstance(depth, int) else 0
        for name, value in (("size", size), ("hop", hop), ("channels", channels), ("depth", depth)):
            if not isinstance(value, int) or value < 1:
                raise ValueError("window %s must be a positive int, got %r" % (name, value))
        if not isinstance(spare, int) or spare < 0:
            raise ValueError("window spare must be an int >= 0, got %r" % (spare,))
        self.size = size
        self.hop = hop
        self.channels = channels
        self._capacity = size + spare
        self._buf = zeros("h", self._capacity * channels)
        self._view = memoryview(self._buf)[:size * channels]
        self._dropped = 0
        self.reset()

    def reset(self):
        """Forget buffered samples (``dropped`` is kept)."""
        self._start = 0  # buffer frame of the next window's first frame
        self._count = 0  # frames buffered from _start on
        self._skip = 0  # frames still to discard before the next window (hop > size)
        self._lost = False
        self.gap = False

    @property
    def dropped(self):
        """Frames discarded because the consumer fell behind (since construction)."""
        return self._dropped

    @property
    def nbytes(self):
        """Bytes of the buffer it holds."""
        return 2 * len(self._buf)

    @property
    def ready(self):
        """Number of complete windows waiting to be taken."""
        if self._count < self.size:
            return 0
        return (self._count - self.size) // self.hop + 1

    def _to_front(self):
        """Move the buffered frames to the buffer's start (a forward copy: safe)."""
        ch = self.channels
        _copy(self._buf, 0, self._buf, self._start * ch, self._count * ch)
        self._start = 0

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
            self._start += old
            self._count -= old
            pos += excess - old
            frames -= excess - old
        if self._start + self._count + frames > cap:
            self._to_front()
        copy = _copy_bytes if raw else _copy
        copy(self._buf, (self._start + self._count) * ch, samples, pos * ch, frames * ch)
        self._count += frames

    def take(self):
        """The next window (memoryview of size*channels int16, interleaved) or None."""
        if self._count < self.size:
            return None
        if self._start:
            self._to_front()
        hop = self.hop
        if hop <= self._count:
            self._start = hop
            self._count -= hop
        else:
            self._skip = hop - self._count
            self._start = self._count
            self._count = 0
        self.gap = self._lost
        self._lost = False
        return self._view
