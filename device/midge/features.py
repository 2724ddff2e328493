"""Feature extractors built from plain config dicts (the dict travels with a
model in meta.json, so the board computes what the model was trained on).

    from midge.features import build
    fx = build({"kind": "mfe", "sample_rate": 16000})
    out = fx.new_output()                 # array('b') of fx.frame_count * fx.feature_count
    fx.process(window, out)               # window: array('h') of fx.window_samples

``kind`` is one of KINDS; missing keys take the kind's defaults and
``fx.config`` holds the complete dict (JSON-ready). Unknown keys and bad values
are ValueErrors that name them. Every extractor has:

- ``window_frames``: sensor frames per window and channel (0 for an image:
  one camera frame), ``channels``: values per frame, and ``window_samples``:
  the values of one window buffer (int16, channels interleaved; for an image
  the bytes of its pixels);
- ``frame_count``, ``feature_count``, ``shape`` (frame_count, feature_count);
- ``new_output()`` and ``process(window, out)``, which fills ``out`` in place
  and allocates nothing in the steady state;
- ``int8_output``: True when the output is int8 (array('b')); False only for
  motion with ``"output": "int32"`` (array('i')).

The definitions and scales are in the modules: ``midge.dsp.spectral``
(spectrogram, mfe, mfcc), ``midge.dsp.motion`` and ``midge.dsp.micro_speech``
(``micro_speech_window`` frames a window), and ``midge.dsp.image``. ``build`` imports only the module of the kind it
builds, so the others take no heap.

A motion config with ``"output": "int32"`` may carry ``"int8_map":
{"offset": [...], "divisor": [...]}`` (one int each per feature, divisors >=
1): the extractor then outputs int8 ``clamp((v - offset) // divisor, -128,
127)`` (floor division) of each int32 feature ``v``. Training derives the map
from the training data (``midge train``) and it travels in meta.json.
"""

from array import array

from midge.bits import zeros

KINDS = ("spectrogram", "mfe", "mfcc", "motion", "micro_speech", "image")


def _extractor_class(kind):
    """(class, defaults) of ``kind``, importing only its module (the others stay off the heap)."""
    if kind == "spectrogram":
        from midge.dsp.spectral import Spectrogram
        return Spectrogram, Spectrogram.DEFAULTS
    if kind in ("mfe", "mfcc"):
        from midge.dsp.mel import MelFeatures
        return MelFeatures, MelFeatures.MFE_DEFAULTS if kind == "mfe" else MelFeatures.MFCC_DEFAULTS
    if kind == "motion":
        from midge.dsp.motion import MotionFeatures
        return MotionFeatures, MotionFeatures.DEFAULTS
    if kind == "image":
        from midge.dsp.image import ImagePixels
        return ImagePixels, ImagePixels.DEFAULTS
    from midge.dsp.micro_speech_window import MicroSpeechWindow
    return MicroSpeechWindow, MicroSpeechWindow.DEFAULTS


class Int8Map:
    """An int32 extractor followed by the per-feature int8 map
    ``clamp((v - offset[i]) // divisor[i], -128, 127)``; int8 output."""

    int8_output = True

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
        self.window_frames = inner.window_frames
        self.channels = inner.channels
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
        return zeros("b", self.frame_count * self.feature_count)

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


def build(config):
    """The extractor for ``config`` ({"kind": ..., params}); ValueError if invalid."""
    if not isinstance(config, dict):
        raise ValueError("a feature config is a dict with a 'kind', got %r" % (config,))
    kind = config.get("kind")
    if kind not in KINDS:
        raise ValueError("feature kind must be one of %s, got %r" % (", ".join(KINDS), kind))
    cls, known = _extractor_class(kind)
    params = {}
    for key in config:
        if key == "kind" or (key == "int8_map" and kind == "motion"):
            continue
        if key not in known:
            raise ValueError("unknown %s parameter %r (known: %s)"
                             % (kind, key, ", ".join(sorted(known))))
        params[key] = config[key]
    extractor = cls(params, kind) if kind in ("mfe", "mfcc") else cls(params)
    extractor.config["kind"] = kind
    if "int8_map" in config:
        if extractor.config["output"] != "int32":
            raise ValueError("int8_map maps int32 motion features; set output to 'int32'")
        extractor = Int8Map(extractor, config["int8_map"])
    return extractor
