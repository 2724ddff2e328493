"""Windows of feature rows, computed frame by frame as samples arrive.

A streaming extractor (``extractor.streams``: spectrogram, MFE, MFCC without
pre-emphasis, micro_speech) computes each frame's row from that frame's samples
alone, so the rows of a window are the rows of the stream's frames it spans.
The extractor says how: ``frame(x, start, rows, at)`` writes the row of the
frame at ``x[start:]`` at ``rows[at:]``, ``row_width`` values of
``row_itemsize`` bytes (1: int8, 4: int32), and ``rows_to_input(rows, out)``
turns a window's ``frame_count`` rows into the model's input (a copy for
the spectral kinds; micro_speech runs its stateful half there).
``FrameStream`` keeps the samples of one frame plus one stride and one sensor
block, and the rows of one window, instead of a whole window of samples: for
the mosquito template's 1 s at 16 kHz, 7 KB instead of 33 KB. Window ``k``
starts at sample ``k * hop`` of the stream, as ``midge.window.Windows`` cuts
it, and is given once all its samples have arrived; its rows equal
``extractor.process`` on that window bit for bit (tests/dsp/test_framestream.py).

    s = FrameStream(fx, hop, spare)   # hop: window stride in samples, a multiple of fx.stride_samples
    s.feed(block, n)                  # array('h') or a memoryview of one; at most ``spare`` samples
    while s.take(model_input):        # True: the next window's rows are in model_input
        ...

Contracts: mono; zero allocation after construction; a feed of more than
``spare`` samples, or a feed before the windows were taken, is a ValueError
(the app reads one sensor block, then takes every window), so nothing is
ever dropped: ``dropped`` is 0 and ``gap`` False, for the app's sake (they
mirror ``Windows``).
"""

from midge.bits import zeros
from midge.blockcopy import copy8 as _copy8
from midge.blockcopy import copy16 as _copy16
from midge.blockcopy import copy32 as _copy32


def can_stream(extractor, hop):
    """True when ``extractor``'s rows can be computed per frame for windows every ``hop`` samples."""
    return (getattr(extractor, "streams", False) and extractor.channels == 1
            and hop % extractor.stride_samples == 0)


class FrameStream:
    dropped = 0
    gap = False

    def __init__(self, extractor, hop, spare):
        if not can_stream(extractor, hop):
            raise ValueError("these features cannot be computed frame by frame for a %d-sample hop" % hop)
        fx = extractor
        self._fx = fx
        self._frame = fx.frame_samples
        self._stride = fx.stride_samples
        self._window = fx.window_samples
        self._hop = hop
        self._width = fx.row_width
        self._need = fx.frame_count
        self._hop_rows = hop // fx.stride_samples
        self._spare = spare
        self._buf = zeros("h", fx.frame_samples + fx.stride_samples + spare)
        wide = fx.row_itemsize == 4
        self._rows = zeros("i" if wide else "b", fx.frame_count * fx.row_width)
        self._copy_rows = _copy32 if wide else _copy8
        self._row_bytes = fx.row_itemsize
        self.reset()

    def reset(self):
        """Forget held samples and rows: the next sample fed starts a new stream."""
        self._base = 0  # stream sample held at _buf[0]
        self._n = 0  # samples held
        self._win = 0  # stream sample where the pending window starts
        self._count = 0  # rows of the pending window computed

    @property
    def nbytes(self):
        """Bytes of the sample and row buffers it holds."""
        return 2 * len(self._buf) + self._row_bytes * len(self._rows)

    def feed(self, samples, count=None):
        """Append int16 samples, first dropping those no frame needs any more."""
        n = len(samples) if count is None else count
        if n > self._spare or n > len(samples) or n < 0:
            raise ValueError("fed %d samples; a frame stream takes 0..%d at a time" % (n, self._spare))
        keep = self._win + self._count * self._stride  # the next frame's first sample
        drop = keep - self._base
        src = 0
        if drop >= self._n:  # nothing held is needed, nor the chunk's first samples
            src = drop - self._n
            if src > n:
                src = n
            self._base += self._n + src
            self._n = 0
        elif drop > 0:
            _copy16(self._buf, 0, self._buf, drop, self._n - drop)
            self._base += drop
            self._n -= drop
        if self._n + n - src > len(self._buf):
            raise ValueError("a frame stream fed without taking its windows: take() until it returns False")
        _copy16(self._buf, self._n, samples, src, n - src)
        self._n += n - src

    def take(self, out):
        """Compute the rows the held samples allow; when the pending window has
        all its samples, put its features into ``out`` (int8, frames x
        features), move on to the next window and return True; else return False."""
        width = self._width
        rows = self._rows
        need = self._need
        end = self._base + self._n
        while self._count < need:
            start = self._win + self._count * self._stride
            if start + self._frame > end:
                return False
            self._fx.frame(self._buf, start - self._base, rows, self._count * width)
            self._count += 1
        if end < self._win + self._window:
            return False
        self._fx.rows_to_input(rows, out)
        hop = self._hop_rows
        if hop < need:
            self._copy_rows(rows, 0, rows, hop * width, (need - hop) * width)
            self._count = need - hop
        else:
            self._count = 0
        self._win += self._hop
        return True
