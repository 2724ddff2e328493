"""OpenMV's ``audio`` module (PDM mic on OpenMV cams, Arduino Nicla Vision / Portenta).

Board glue imports the module and hands it over; this class initialises it::

    import audio
    mic = OpenMVMic(audio, rate=16000, gain_db=24)
    mic.start()
    n = mic.readinto(samples)

``audio.init(channels, frequency, gain_db, highpass)`` is called at
construction; ``start`` calls ``audio.start_streaming(callback)``. OpenMV calls
the callback with a bytearray of little-endian int16 PCM each time one fills; the callback
copies it into one of ``blocks`` preallocated blocks of ``block`` frames (the
buffer is reused by OpenMV, so it is never kept). ``readinto(buf)`` returns the
oldest block's samples (interleaved when ``channels == 2``); blocks that arrive
while all are full are counted in ``dropped``.
"""

from midge.sensors._blocks import Blocks
from midge.sensors._pcm import copy8, pcm16_to_16


class OpenMVMic:
    def __init__(self, audio, rate=16000, channels=1, gain_db=24, highpass=0.9883, block=512, blocks=3):
        self._audio = audio
        self.sample_rate = rate
        self.channels = channels
        self.block = block * channels
        self._blocks = Blocks(blocks, 2 * self.block, 2 * channels)
        self._callback = self._on_pcm
        self._running = False
        audio.init(channels=channels, frequency=rate, gain_db=gain_db, highpass=highpass)

    @property
    def dropped(self):
        return self._blocks.dropped

    def start(self):
        if self._running:
            return
        self._blocks.reset()
        self._running = True
        self._audio.start_streaming(self._callback)

    def stop(self):
        if self._running:
            self._running = False
            self._audio.stop_streaming()

    def _on_pcm(self, pcm):
        blocks = self._blocks
        buf = blocks.bufs[blocks.writing]
        n = len(pcm)
        if n > len(buf):
            n = len(buf)
        copy8(pcm, n, buf)
        blocks.commit(n - n % (2 * self.channels))

    def readinto(self, buf):
        if len(buf) < self.block:
            raise ValueError("readinto buffer holds %d samples; this mic's block is %d" % (len(buf), self.block))
        blocks = self._blocks
        i = blocks.take()
        if i < 0:
            return 0
        n = blocks.fill[i] // 2
        pcm16_to_16(blocks.bufs[i], n, buf)
        blocks.release(i)
        return n
