"""A fixed ring of byte blocks between an interrupt-side producer and the consumer.

The producer (an I2S ``irq`` handler, an OpenMV audio callback) fills the block
``writing`` and calls ``commit(nbytes)``; the consumer calls ``take()`` to get
the oldest full block's index and ``release(i)`` when it has converted it.
Blocks are used in cyclic order. When the next block is not free (the consumer
is behind), ``commit`` refuses, the producer refills the same block, and the
block's frames are counted in ``dropped``: the newest data is lost, never a
block being read. No allocation after construction.
"""

from array import array

_FREE = 0
_READY = 1
_BUSY = 2


class Blocks:
    def __init__(self, count, nbytes, frame_bytes):
        if count < 2:
            raise ValueError("need at least 2 capture blocks, got %d" % count)
        if nbytes % frame_bytes:
            raise ValueError("block of %d bytes is not whole %d-byte frames" % (nbytes, frame_bytes))
        self.bufs = [bytearray(nbytes) for _ in range(count)]
        self.fill = array("i", [0] * count)
        self._state = bytearray(count)
        self._frame_bytes = frame_bytes
        self.dropped = 0
        self.reset()

    def reset(self):
        """Forget captured blocks; the producer starts again at block 0 (``dropped`` is kept)."""
        for i in range(len(self._state)):
            self._state[i] = _FREE
        self.writing = 0
        self._state[0] = _BUSY
        self._read = 0

    def commit(self, nbytes):
        """Producer: block ``writing`` holds ``nbytes``. Returns False when it was
        dropped (no free block next); ``writing`` then names the block to refill."""
        n = len(self._state)
        nxt = self.writing + 1
        if nxt == n:
            nxt = 0
        if self._state[nxt] != _FREE:
            self.dropped += nbytes // self._frame_bytes
            return False
        self.fill[self.writing] = nbytes
        self._state[self.writing] = _READY
        self._state[nxt] = _BUSY
        self.writing = nxt
        return True

    def take(self):
        """Consumer: index of the oldest full block (now owned by the consumer), or -1."""
        i = self._read
        if self._state[i] != _READY:
            return -1
        self._state[i] = _BUSY
        return i

    def release(self, i):
        """Consumer: block ``i`` may be refilled."""
        self._state[i] = _FREE
        i += 1
        self._read = 0 if i == len(self._state) else i
