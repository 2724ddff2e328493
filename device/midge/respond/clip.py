"""Raw audio clips to SD for later labelling: a WAV writer (``midge.recording``'s
format) whose header is fixed up at close, made atomic by writing ``path + ".tmp"`` and renaming it.

    clip = WavWriter("/sd/clips/yes_000123.wav", sample_rate=16000)
    clip.write(window)            # array('h') or memoryview of int16, any number of times
    clip.close()                  # sizes into the header, then rename: the clip appears whole

A power cut before ``close`` leaves only the ``.tmp`` file; a finished clip
never exists half-written. ``abort()`` deletes the temp file.
"""

import os

from midge.recording import wav_header


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
        return wav_header(self.sample_rate, self.channels, self._data)

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
