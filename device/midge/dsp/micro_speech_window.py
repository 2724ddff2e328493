"""TFLM's micro_speech frontend over a whole window (feature kind
``micro_speech`` of ``midge.features``), or frame by frame over a stream
(``midge.framestream``)."""

from midge.bits import zeros
from midge.blockcopy import copy8 as _copy8
from midge.blockcopy import copy32 as _copy32
from midge.dsp.intmath import samples_of
from midge.dsp.micro_speech import FRAME_SAMPLES, FRAME_STRIDE, NUM_FEATURES, MicroSpeechFrontend

ROW = NUM_FEATURES + 1  # a streamed frame's row: its 40 filter-bank roots, then their shift


class MicroSpeechWindow:
    """TFLM's micro_speech frontend over a whole window: 30 ms frames every
    20 ms at 16 kHz (49 x 40 int8 for 1000 ms), the frontend reset at the
    window start as a fresh TFLM interpreter is (its noise estimate then
    carries across the window's frames).

    Streams (``midge.framestream``): a frame's stateless half (FFT, filter
    bank: ``MicroSpeechFrontend.spectrum``) is computed once per stream frame
    and kept as a row of 41 int32 (``frame``); when a window's rows are all
    there, ``rows_to_input`` resets the frontend and runs the stateful half
    over them in order, which is what ``process`` computes on that window.
    """

    DEFAULTS = {"sample_rate": 16000, "window_ms": 1000}
    int8_output = True
    streams = True
    row_width = ROW
    row_itemsize = 4

    def __init__(self, config):
        conf = dict(self.DEFAULTS)
        conf.update(config)
        if conf["sample_rate"] != 16000:
            raise ValueError("micro_speech runs at 16000 Hz, got sample_rate %r" % (conf["sample_rate"],))
        self.window_samples = samples_of("window_ms", conf["window_ms"], 16000)
        self.window_frames = self.window_samples
        self.channels = 1
        if self.window_samples < FRAME_SAMPLES:
            raise ValueError("micro_speech windows need at least 30 ms, got %r" % (conf["window_ms"],))
        self.config = conf
        self.frame_samples = FRAME_SAMPLES
        self.stride_samples = FRAME_STRIDE
        self.frame_count = 1 + (self.window_samples - FRAME_SAMPLES) // FRAME_STRIDE
        self.feature_count = NUM_FEATURES
        self._frontend = MicroSpeechFrontend()

    @property
    def shape(self):
        """(frame_count, feature_count)."""
        return (self.frame_count, self.feature_count)

    def new_output(self):
        """A zeroed array('b') for ``process``'s output."""
        return zeros("b", self.frame_count * self.feature_count)

    def process(self, window, out):
        """micro_speech features of ``window`` into ``out`` (frames x 40, row-major)."""
        if len(window) != self.window_samples:
            raise ValueError("window must be %d int16 samples, got %d" % (self.window_samples, len(window)))
        if len(out) != self.frame_count * NUM_FEATURES:
            raise ValueError("output must hold %d int8 values, got %d"
                             % (self.frame_count * NUM_FEATURES, len(out)))
        frontend = self._frontend
        frontend.reset()
        for f in range(self.frame_count):
            features = frontend.finish(frontend.roots, frontend.spectrum(window, f * FRAME_STRIDE))
            _copy8(out, f * NUM_FEATURES, features, 0, NUM_FEATURES)
        return out

    def frame(self, x, start, rows, at):
        """The stream row (int32 x 41) of the frame at ``x[start:]`` into ``rows[at:]``."""
        frontend = self._frontend
        rows[at + NUM_FEATURES] = frontend.spectrum(x, start)
        _copy32(rows, at, frontend.roots, 0, NUM_FEATURES)

    def rows_to_input(self, rows, out):
        """A window's features from its ``frame_count`` stream rows into ``out``."""
        frontend = self._frontend
        roots = frontend.roots
        frontend.reset()
        for f in range(self.frame_count):
            at = f * ROW
            _copy32(roots, 0, rows, at, NUM_FEATURES)
            _copy8(out, f * NUM_FEATURES, frontend.finish(roots, rows[at + NUM_FEATURES]), 0, NUM_FEATURES)
