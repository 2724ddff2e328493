"""TFLM's micro_speech frontend over a whole window (feature kind
``micro_speech`` of ``midge.features``)."""

from array import array

from midge.blockcopy import copy16 as _copy
from midge.dsp.intmath import samples_of
from midge.dsp.micro_speech import FRAME_SAMPLES, FRAME_STRIDE, NUM_FEATURES, MicroSpeechFrontend


class MicroSpeechWindow:
    """TFLM's micro_speech frontend over a whole window: 30 ms frames every
    20 ms at 16 kHz (49 x 40 int8 for 1000 ms), the frontend reset at the
    window start as a fresh TFLM interpreter is (its noise estimate then
    carries across the window's frames)."""

    DEFAULTS = {"sample_rate": 16000, "window_ms": 1000}

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
        self.frame_count = 1 + (self.window_samples - FRAME_SAMPLES) // FRAME_STRIDE
        self.feature_count = NUM_FEATURES
        self._frontend = MicroSpeechFrontend()
        self._frame = array("h", bytearray(2 * FRAME_SAMPLES))

    @property
    def shape(self):
        """(frame_count, feature_count)."""
        return (self.frame_count, self.feature_count)

    def new_output(self):
        """A zeroed array('b') for ``process``'s output."""
        return array("b", bytearray(self.frame_count * self.feature_count))

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
            _copy(self._frame, 0, window, f * FRAME_STRIDE, FRAME_SAMPLES)
            features = frontend.process(self._frame)
            at = f * NUM_FEATURES
            for i in range(NUM_FEATURES):
                out[at + i] = features[i]
        return out
