"""One inference API over midge's own interpreter and firmware TFLite engines.

    model = midge.infer.load("model.tflite", engine="auto")
    scores = model.predict(features)     # floats in, floats out (output 0, flat)
    model.engine, model.input_shape, model.output_shape

Engines:
- "midge": ``midge.nn`` (pure MicroPython, bit-exact with TFLite-Micro).
- "openmv": OpenMV firmware's ``ml.Model(path)``; ``predict([array])`` returns
  dequantized float outputs.
- "microlite": the tensorflow-micropython-examples firmware's
  ``microlite.interpreter(model, arena_size, input_callback, output_callback)``
  with ``getInputTensor(0).setValue(i, q)`` / ``quantizeFloatToInt8`` and
  ``getOutputTensor(0).getValue(i)`` / ``quantizeInt8ToFloat``.

"auto" takes a firmware engine when its module imports (openmv, then
microlite), else midge. Shapes come from midge's model reader in every case.
"""

from midge.nn import model as _model
from midge.nn.model import ModelError

ENGINES = ("midge", "openmv", "microlite")
DEFAULT_ARENA = 64 * 1024


def _import(name, modules):
    if modules is not None:
        return modules.get(name)
    try:
        return __import__(name)
    except ImportError:
        return None


def _read(path):
    with open(path, "rb") as f:
        return bytearray(f.read())


def _parse(path):
    data = _read(path)
    return _model.parse(data, len(data))


def _flat(values):
    """Nested sequences of numbers as one flat list of floats."""
    out = []
    for v in values:
        if isinstance(v, (int, float)):
            out.append(float(v))
        else:
            out.extend(_flat(v))
    return out


def _size(shape):
    n = 1
    for d in shape:
        n *= d
    return n


class _Base:
    """Common attributes: ``engine``, ``input_shape``, ``output_shape`` (of input/output 0)."""

    def __init__(self, engine, input_shape, output_shape):
        self.engine = engine
        self.input_shape = tuple(input_shape)
        self.output_shape = tuple(output_shape)
        self.input_size = _size(input_shape)
        self.output_size = _size(output_shape)

    def _check(self, values):
        flat = _flat(values)
        if len(flat) != self.input_size:
            raise ValueError("model input %s takes %d values, got %d"
                             % (list(self.input_shape), self.input_size, len(flat)))
        return flat


def _shapes(parsed):
    if not parsed.inputs or not parsed.outputs:
        raise ModelError("model has no inputs or no outputs")
    return parsed.tensors[parsed.inputs[0]].shape, parsed.tensors[parsed.outputs[0]].shape


class MidgeModel(_Base):
    """midge.nn behind the common API."""

    def __init__(self, path):
        import midge.nn
        self.interpreter = midge.nn.load(path)
        _Base.__init__(self, "midge", self.interpreter.input_shape(0), self.interpreter.output_shape(0))

    def predict(self, values):
        return self.interpreter.predict(self._check(values))


class OpenMVModel(_Base):
    """OpenMV ``ml.Model`` behind the common API."""

    def __init__(self, path, parsed, ml, ulab=None):
        _Base.__init__(self, "openmv", *_shapes(parsed))
        self.model = ml.Model(path)
        self._np = getattr(ulab, "numpy", None) if ulab is not None else None

    def predict(self, values):
        flat = self._check(values)
        if self._np is not None:
            data = self._np.array(flat, dtype=self._np.float).reshape(self.input_shape)
        else:
            data = flat
        outputs = self.model.predict([data])
        return _flat(outputs[0])


class MicroliteModel(_Base):
    """microlite's callback interpreter behind the common API."""

    def __init__(self, path, parsed, microlite, arena_size):
        _Base.__init__(self, "microlite", *_shapes(parsed))
        self._pending = None
        self._result = []
        self.interpreter = microlite.interpreter(_read(path), arena_size, self._fill, self._collect)

    def _fill(self, interp):
        tensor = interp.getInputTensor(0)
        for i, v in enumerate(self._pending):
            tensor.setValue(i, tensor.quantizeFloatToInt8(v))

    def _collect(self, interp):
        tensor = interp.getOutputTensor(0)
        self._result = [tensor.quantizeInt8ToFloat(tensor.getValue(i)) for i in range(self.output_size)]

    def predict(self, values):
        self._pending = self._check(values)
        self.interpreter.invoke()
        return self._result


def load(path, engine="auto", arena_size=DEFAULT_ARENA, modules=None):
    """Load ``path`` with ``engine`` ("auto", "midge", "openmv", "microlite").

    ``modules`` ({name: module}) replaces importing ``ml``, ``ulab`` and
    ``microlite`` (tests pass fakes). Raises ValueError for an unknown or
    unavailable engine and ModelError for a bad model.
    """
    if engine not in ENGINES and engine != "auto":
        raise ValueError("unknown engine %r; choose auto, %s" % (engine, ", ".join(ENGINES)))
    ml = _import("ml", modules) if engine in ("auto", "openmv") else None
    microlite = _import("microlite", modules) if engine in ("auto", "microlite") else None
    if engine == "openmv" or (engine == "auto" and ml is not None):
        if ml is None:
            raise ValueError("engine 'openmv' needs OpenMV firmware (module 'ml' is missing)")
        return OpenMVModel(path, _parse(path), ml, _import("ulab", modules))
    if engine == "microlite" or (engine == "auto" and microlite is not None):
        if microlite is None:
            raise ValueError("engine 'microlite' needs microlite firmware (module 'microlite' is missing)")
        return MicroliteModel(path, _parse(path), microlite, arena_size)
    return MidgeModel(path)
