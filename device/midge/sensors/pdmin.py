"""CircuitPython's ``audiobusio.PDMIn`` (nRF52840, RP2040, SAMD51 PDM mics).

Board glue makes the PDMIn object and hands it over::

    import audiobusio, board
    pdm = audiobusio.PDMIn(board.MICROPHONE_CLOCK, board.MICROPHONE_DATA,
                           sample_rate=16000, bit_depth=16)
    mic = PDMInMic(pdm, rate=16000)

``readinto(buf)`` records ``block`` samples with ``pdm.record(raw, block)``
(blocking for ``block / rate`` seconds: CircuitPython has no background
capture) and converts its unsigned 16-bit samples, centred on 32768, to int16.
Nothing is captured between calls, so ``dropped`` stays 0 and the gaps are
the caller's processing time. ``rate`` must match the PDMIn's sample_rate.
"""

from midge.bits import zeros
from midge.sensors._pcm import u16_to_16


class PDMInMic:
    channels = 1
    dropped = 0

    def __init__(self, pdm, rate=16000, block=512):
        self._pdm = pdm
        self.sample_rate = rate
        self.block = block
        self._raw = zeros("H", block)

    def start(self):
        """Nothing to start: ``record`` captures on demand."""

    def stop(self):
        """Nothing to stop."""

    def readinto(self, buf):
        if len(buf) < self.block:
            raise ValueError("readinto buffer holds %d samples; this mic's block is %d" % (len(buf), self.block))
        n = self._pdm.record(self._raw, self.block)
        u16_to_16(self._raw, n, buf)
        return n
