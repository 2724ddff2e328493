"""midge.infer adapters, tested against fakes of OpenMV's ``ml`` and of
``microlite`` written from their documented APIs. The fakes compute with
midge.nn itself, so every engine must give midge's numbers."""

import pytest

import midge.infer
import midge.nn


class FakeOpenMVModel:
    """OpenMV ``ml.Model``: shapes/dtypes/quantization attributes, predict([array]) -> [floats]."""

    def __init__(self, path):
        self._m = midge.nn.load(path)
        self.input_shape = [self._m.input_shape(0)]
        self.output_shape = [self._m.output_shape(0)]
        self.input_dtype = ["b"]
        self.output_dtype = ["b"]
        self.input_scale, self.input_zero_point = [[v] for v in self._m.input_quant(0)]
        self.output_scale, self.output_zero_point = [[v] for v in self._m.output_quant(0)]
        self.calls = 0

    def predict(self, inputs):
        assert isinstance(inputs, list) and len(inputs) == 1
        self.calls += 1
        return [self._m.predict(list(inputs[0]))]


class FakeML:
    def __init__(self):
        self.models = []

    def Model(self, path):  # noqa: N802 (OpenMV's name)
        model = FakeOpenMVModel(path)
        self.models.append(model)
        return model


class FakeTensor:
    """microlite tensor: getValue/setValue by index, int8 (de)quantization helpers."""

    def __init__(self, view, scale, zero_point):
        self._view, self._scale, self._zp = view, scale, zero_point

    def setValue(self, i, v):  # noqa: N802
        self._view[i] = v

    def getValue(self, i):  # noqa: N802
        return self._view[i]

    def quantizeFloatToInt8(self, x):  # noqa: N802
        return max(-128, min(127, round(x / self._scale) + self._zp))

    def quantizeInt8ToFloat(self, q):  # noqa: N802
        return (q - self._zp) * self._scale


class FakeMicroliteInterpreter:
    def __init__(self, model, arena_size, input_callback, output_callback):
        assert isinstance(model, bytearray) and arena_size > 0
        self._m = midge.nn.load(bytes(model))
        self._in_cb, self._out_cb = input_callback, output_callback

    def getInputTensor(self, i):  # noqa: N802
        return FakeTensor(self._m.input(i), *self._m.input_quant(i))

    def getOutputTensor(self, i):  # noqa: N802
        return FakeTensor(self._m.output(i), *self._m.output_quant(i))

    def invoke(self):
        self._in_cb(self)
        self._m.invoke()
        self._out_cb(self)


class FakeMicrolite:
    interpreter = FakeMicroliteInterpreter


@pytest.fixture
def hello(hello_world_model):
    """TFLM's hello_world_int8.tflite, or the generated one like it."""
    return str(hello_world_model)


def test_auto_without_firmware_modules_is_midge(hello):
    model = midge.infer.load(hello, modules={})
    assert model.engine == "midge"
    assert model.input_shape == (1, 1) and model.output_shape == (1, 1)
    assert model.predict([1.0]) == midge.nn.load(hello).predict([1.0])


def test_auto_prefers_openmv_then_microlite(hello):
    assert midge.infer.load(hello, modules={"ml": FakeML(), "microlite": FakeMicrolite}).engine == "openmv"
    assert midge.infer.load(hello, modules={"microlite": FakeMicrolite}).engine == "microlite"


@pytest.mark.parametrize("engine,modules", [("openmv", {"ml": FakeML()}),
                                            ("microlite", {"microlite": FakeMicrolite})])
def test_firmware_engines_match_midge(hello, engine, modules):
    model = midge.infer.load(hello, engine=engine, modules=modules)
    reference = midge.nn.load(hello)
    assert model.engine == engine
    for x in (0.0, 0.5, 1.57, 3.0, 6.2):
        assert model.predict([x]) == pytest.approx(reference.predict([x]))
    assert model.predict([[0.5]]) == pytest.approx(reference.predict([0.5]))


def test_errors_are_clear(hello):
    with pytest.raises(ValueError, match="unknown engine"):
        midge.infer.load(hello, engine="tpu")
    with pytest.raises(ValueError, match="module 'ml' is missing"):
        midge.infer.load(hello, engine="openmv", modules={})
    with pytest.raises(ValueError, match="module 'microlite' is missing"):
        midge.infer.load(hello, engine="microlite", modules={})
    with pytest.raises(ValueError, match="takes 1 values, got 2"):
        midge.infer.load(hello, modules={}).predict([1.0, 2.0])


def test_auto_on_the_unix_port_is_midge(run_mpy, hello):
    out = run_mpy(code="import midge.infer\nm = midge.infer.load(%r)\nprint(m.engine, m.predict([1.0]))" % hello)
    engine, _ = out.check().split(" ", 1)
    assert engine == "midge"
