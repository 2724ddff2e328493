"""Microphones read with ``machine.I2S`` in the background.

``I2SMic`` is an I2S MEMS microphone (INMP441, SPH0645, ICS-43434). Board glue
makes the I2S object in RX mode and hands it over::

    from machine import I2S, Pin
    i2s = I2S(0, sck=Pin(16), ws=Pin(17), sd=Pin(18), mode=I2S.RX,
              bits=32, format=I2S.MONO, rate=16000, ibuf=8192)   # Pico + INMP441
    mic = I2SMic(i2s, rate=16000, bits=32)
    mic.start()
    n = mic.readinto(samples)   # samples: array('h') of >= mic.block; 0 until a block is in

32-bit samples are shifted right by ``shift`` (16 keeps the top 16 of an
INMP441's 24 bits; 14 adds 12 dB) and saturated; 16-bit samples are copied.
``rate`` and ``bits`` must match what the I2S object was built with
(MicroPython does not expose them).
"""

from midge.sensors._blocks import Blocks
from midge.sensors._pcm import pcm16_to_16, pcm32_to_16


class I2SCapture:
    """Background capture from an I2S receiver into preallocated blocks.

    ``start`` installs an ``i2s.irq`` handler and issues a non-blocking
    ``readinto`` into the first of ``blocks`` blocks of ``block_bytes``; each
    time a block fills (the handler runs in the MicroPython scheduler) the next
    one is queued at once, so capture continues while the application
    processes a window. ``readinto(buf)`` converts the oldest full block
    (``_convert`` in the subclass) into ``buf`` and returns the sample count,
    0 when none is ready. When the consumer falls behind, the newest block is
    lost and its frames are counted in ``dropped``. No allocation per block.
    """

    channels = 1

    def __init__(self, i2s, rate, block, block_bytes, frame_bytes, blocks):
        self._i2s = i2s
        self.sample_rate = rate
        self.block = block
        self._blocks = Blocks(blocks, block_bytes, frame_bytes)
        self._handler = self._on_block  # bound once: no allocation per IRQ
        self._running = False

    @property
    def dropped(self):
        """Frames lost because ``readinto`` was not called often enough."""
        return self._blocks.dropped

    def start(self):
        """Begin background capture."""
        if self._running:
            return
        self._blocks.reset()
        self._running = True
        self._i2s.irq(self._handler)
        self._i2s.readinto(self._blocks.bufs[self._blocks.writing])

    def stop(self):
        """Stop queueing reads; the block in flight is discarded."""
        self._running = False

    def _on_block(self, _i2s):
        if not self._running:
            return
        blocks = self._blocks
        blocks.commit(len(blocks.bufs[blocks.writing]))
        self._i2s.readinto(blocks.bufs[blocks.writing])

    def _convert(self, raw, nbytes, out):
        """Convert ``nbytes`` of a raw block into int16 samples in ``out``; returns the count."""
        raise NotImplementedError

    def readinto(self, buf):
        if len(buf) < self.block:
            raise ValueError("readinto buffer holds %d samples; this mic's block is %d" % (len(buf), self.block))
        blocks = self._blocks
        i = blocks.take()
        if i < 0:
            return 0
        n = self._convert(blocks.bufs[i], blocks.fill[i], buf)
        blocks.release(i)
        return n


class I2SMic(I2SCapture):
    """I2S PCM microphone; ``block`` samples per block, ``blocks`` blocks queued."""

    def __init__(self, i2s, rate, bits=32, block=512, blocks=3, shift=16):
        if bits not in (16, 32):
            raise ValueError("I2S mic bits must be 16 or 32 (as given to machine.I2S), got %r" % (bits,))
        if not 0 <= shift <= 16:
            raise ValueError("shift must be 0..16, got %r" % (shift,))
        self._bytes = bits // 8
        self._shift = shift
        super().__init__(i2s, rate, block, block * self._bytes, self._bytes, blocks)

    def _convert(self, raw, nbytes, out):
        n = nbytes // self._bytes
        if self._bytes == 4:
            pcm32_to_16(raw, n, out, self._shift)
        else:
            pcm16_to_16(raw, n, out)
        return n
