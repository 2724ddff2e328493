"""Feature extractors built from plain config dicts (the dict travels with a
model in meta.json, so the board computes what the model was trained on).

    from midge.features import build
    fx = build({"kind": "mfe", "sample_rate": 16000})
    out = fx.new_output()                 # array('b') of fx.frame_count * fx.feature_count
    fx.process(window, out)               # window: array('h') of fx.window_samples

``kind`` is one of KINDS; missing keys take the kind's defaults and
``fx.config`` holds the complete dict (JSON-ready). Unknown keys and bad values
are ValueErrors that name them. Every extractor has ``window_samples``,
``frame_count``, ``feature_count``, ``shape`` (frame_count, feature_count),
``new_output()`` and ``process(window, out)``, which fills ``out`` in place and
allocates nothing in the steady state. Outputs are int8 (array('b')), except
motion with ``"output": "int32"`` (array('i')). The definitions and scales are
in the modules: ``midge.dsp.spectral`` (spectrogram, mfe, mfcc),
``midge.dsp.motion`` and ``midge.dsp.micro_speech``.

A motion config with ``"output": "int32"`` may carry ``"int8_map":
{"offset": [...], "divisor": [...]}`` (one int each per feature, divisors >=
1): the extractor then outputs int8 ``clamp((v - offset) // divisor, -128,
127)`` (floor division) of each int32 feature ``v``. Training derives the map
from the training data (``midge train``) and it travels in meta.json.
"""

from array import array

from midge import fast
from midge.dsp.micro_speech import FRAME_SAMPLES, FRAME_STRIDE, NUM_FEATURES, MicroSpeechFrontend
from midge.dsp.motion import MotionFeatures
from midge.dsp.spectral import MelFeatures, Spectrogram, samples_of

KINDS = ("spectrogram", "mfe", "mfcc", "motion", "micro_speech")


def _copy_plain(dst, di, src, si, n):
    for k in range(n):
        dst[di + k] = src[si + k]


if fast.VIPER:
    from midge.dsp._copy_viper import copy16 as _copy
else:
    _copy = _copy_plain


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


class Int8Map:
    """An int32 extractor followed by the per-feature int8 map
    ``clamp((v - offset[i]) // divisor[i], -128, 127)``; int8 output."""

    def __init__(self, inner, spec):
        n = inner.frame_count * inner.feature_count
        if not isinstance(spec, dict) or sorted(spec) != ["divisor", "offset"]:
            raise ValueError("int8_map must be a dict with 'offset' and 'divisor' lists, got %r" % (spec,))
        for key in ("offset", "divisor"):
            values = spec[key]
            if not isinstance(values, (list, tuple)) or len(values) != n:
                raise ValueError("int8_map %s must list %d ints, got %r" % (key, n, values))
            for v in values:
                if not isinstance(v, int) or isinstance(v, bool) or not -(1 << 30) < v < (1 << 30):
                    raise ValueError("int8_map %s values must be ints below 2**30 in size, got %r" % (key, v))
        for v in spec["divisor"]:
            if v < 1:
                raise ValueError("int8_map divisors must be >= 1, got %r" % (v,))
        self._inner = inner
        self._raw = inner.new_output()
        self._offset = array("i", spec["offset"])
        self._divisor = array("i", spec["divisor"])
        self.window_samples = inner.window_samples
        self.frame_count = inner.frame_count
        self.feature_count = inner.feature_count
        self.config = inner.config
        self.config["int8_map"] = {"offset": list(spec["offset"]), "divisor": list(spec["divisor"])}

    @property
    def shape(self):
        """(frame_count, feature_count), as the inner extractor's."""
        return (self.frame_count, self.feature_count)

    def new_output(self):
        """A zeroed array('b') for ``process``'s output."""
        return array("b", bytearray(self.frame_count * self.feature_count))

    def process(self, window, out):
        """The inner features of ``window``, mapped to int8 into ``out``."""
        raw = self._raw
        self._inner.process(window, raw)
        offset = self._offset
        divisor = self._divisor
        for i in range(len(raw)):
            q = (raw[i] - offset[i]) // divisor[i]
            out[i] = -128 if q < -128 else (127 if q > 127 else q)
        return out


_KNOWN = {
    "spectrogram": Spectrogram.DEFAULTS,
    "mfe": MelFeatures.MFE_DEFAULTS,
    "mfcc": MelFeatures.MFCC_DEFAULTS,
    "motion": MotionFeatures.DEFAULTS,
    "micro_speech": MicroSpeechWindow.DEFAULTS,
}


def build(config):
    """The extractor for ``config`` ({"kind": ..., params}); ValueError if invalid."""
    if not isinstance(config, dict):
        raise ValueError("a feature config is a dict with a 'kind', got %r" % (config,))
    kind = config.get("kind")
    if kind not in KINDS:
        raise ValueError("feature kind must be one of %s, got %r" % (", ".join(KINDS), kind))
    known = _KNOWN[kind]
    params = {}
    for key in config:
        if key == "kind" or (key == "int8_map" and kind == "motion"):
            continue
        if key not in known:
            raise ValueError("unknown %s parameter %r (known: %s)"
                             % (kind, key, ", ".join(sorted(known))))
        params[key] = config[key]
    if kind == "spectrogram":
        extractor = Spectrogram(params)
    elif kind in ("mfe", "mfcc"):
        extractor = MelFeatures(params, kind)
    elif kind == "motion":
        extractor = MotionFeatures(params)
    else:
        extractor = MicroSpeechWindow(params)
    extractor.config["kind"] = kind
    if "int8_map" in config:
        if extractor.config["output"] != "int32":
            raise ValueError("int8_map maps int32 motion features; set output to 'int32'")
        extractor = Int8Map(extractor, config["int8_map"])
    return extractor
