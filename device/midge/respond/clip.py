"""Raw audio clips to SD for later labelling: a WAV writer whose header is fixed
up at close, made atomic by writing ``path + ".tmp"`` and renaming it.

    clip = WavWriter("/sd/clips/yes_000123.wav", sample_rate=16000)
    clip.write(window)            # array('h') or memoryview of int16, any number of times
    clip.close()                  # sizes into the header, then rename: the clip appears whole

A power cut before ``close`` leaves only the ``.tmp`` file; a finished clip
never exists half-written. ``abort()`` deletes the temp file.
"""

import os

_HEADER = 44


def _le(buf, at, value, n):
    for k in range(n):
        buf[at + k] = (value >> (8 * k)) & 0xFF


class WavWriter:
    def __init__(self, path, sample_rate, channels=1):
        self.path = path
        self._tmp = path + ".tmp"
        self.sample_rate = sample_rate
        self.channels = channels
        self._data = 0
        self._f = open(self._tmp, "wb")
        self._f.write(self._header())

    def _header(self):
        h = bytearray(_HEADER)
        h[0:4] = b"RIFF"
        _le(h, 4, 36 + self._data, 4)
        h[8:16] = b"WAVEfmt "
        _le(h, 16, 16, 4)
        _le(h, 20, 1, 2)  # PCM
        _le(h, 22, self.channels, 2)
        _le(h, 24, self.sample_rate, 4)
        _le(h, 28, self.sample_rate * self.channels * 2, 4)
        _le(h, 32, self.channels * 2, 2)
        _le(h, 34, 16, 2)
        h[36:40] = b"data"
        _le(h, 40, self._data, 4)
        return h

    def write(self, samples, count=None):
        """Append int16 samples (all of ``samples``, or the first ``count``)."""
        view = memoryview(samples)
        if count is not None:
            view = view[:count]
        data = len(view) * view.itemsize if hasattr(view, "itemsize") else 2 * len(view)
        self._f.write(view)
        self._data += data

    def close(self):
        """Write the final sizes, close, and rename the clip into place."""
        f = self._f
        f.seek(0)
        f.write(self._header())
        f.close()
        try:
            os.remove(self.path)
        except OSError:
            pass
        os.rename(self._tmp, self.path)

    def abort(self):
        self._f.close()
        os.remove(self._tmp)
