"""OpenMV firmware's TensorFlow Lite engine (module ``ml``) behind the part of
``midge.nn``'s interpreter the app uses: ``input(0)`` (int8 items the
features write), ``invoke()``, ``output(0)`` (int8 items the decisions read),
``arena_size`` and ``model_ram_bytes`` (0: the firmware holds the model).

    interp = MLInterpreter("/model/model.tflite", ml, ulab)   # ml: OpenMV's module

The firmware is fed and read on midge's int8 grid, so the decisions see the
same numbers as with midge's interpreter: the int8 input goes to
``Model.predict`` as an int8 ulab ndarray of the model's input shape (the
model's own input type: no conversion), and each float output value the
firmware returns (dequantized: ``(q - zero_point) * scale``) is put back on
the int8 grid as ``round(v / scale) + zero_point``, exact for the power-of-two
scales of midge's models (1/256 softmax, 1/128 tanh) and within half a step
of any other; an int8 result (firmware that does not dequantize) is copied. The model's quantization comes from ``ml.Model``'s
``output_scale`` and ``output_zero_point``. Unlike midge's interpreter, the
firmware allocates its results on every ``invoke``.
"""

from midge.bits import zeros


def _first(v):
    return v[0] if isinstance(v, (list, tuple)) else v


class MLInterpreter:
    arena_size = 0
    model_ram_bytes = 0

    def __init__(self, path, ml, ulab=None):
        self.model = ml.Model(path)
        m = self.model
        self._in_shape = tuple(_first(m.input_shape))
        self._out_scale = float(_first(m.output_scale))
        self._out_zero = int(_first(m.output_zero_point))
        n = 1
        for d in self._in_shape:
            n *= d
        out = 1
        for d in _first(m.output_shape):
            out *= d
        self._in = zeros("b", n)
        self._out = zeros("b", out)
        self._x = self._in  # the firmware's input: an int8 ndarray over the same bytes, where ulab exists
        self._int8 = None
        if ulab is not None:
            np = ulab.numpy
            self._int8 = np.int8
            self._x = np.frombuffer(self._in, dtype=np.int8).reshape(self._in_shape)

    def input(self, i=0):
        if i != 0:
            raise IndexError("model has 1 input; there is no input %d" % i)
        return self._in

    def output(self, i=0):
        if i != 0:
            raise IndexError("model has 1 output; there is no output %d" % i)
        return self._out

    def invoke(self):
        result = self.model.predict([self._x])[0]
        if hasattr(result, "flatten"):
            result = result.flatten()
        out = self._out
        if len(result) != len(out):
            raise ValueError("the firmware gave %d outputs; the model has %d" % (len(result), len(out)))
        if self._int8 is not None and result.dtype == self._int8:  # firmware that gives the raw int8 output
            for i in range(len(out)):
                out[i] = int(result[i])
            return
        scale = self._out_scale
        zero = self._out_zero
        for i in range(len(out)):
            v = result[i] / scale
            q = int(v + 0.5) if v >= 0 else -int(-v + 0.5)
            q += zero
            out[i] = -128 if q < -128 else (127 if q > 127 else q)
