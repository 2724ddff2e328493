"""A fake of OpenMV firmware's ``ml`` module, written from its documented API
(``ml.Model(path)``: ``input_shape``, ``input_scale``, ``input_zero_point``,
``output_shape``, ``output_scale``, ``output_zero_point`` as lists, one entry per
tensor; ``predict([inputs]) -> [outputs]`` with the outputs dequantized to floats).
It computes with midge.nn, so an app on the ``ml`` engine must give midge's numbers."""

import midge.nn

calls = 0


class Model:
    def __init__(self, path):
        self._m = midge.nn.load(path)
        m = self._m
        self.input_shape = [m.input_shape(0)]
        self.output_shape = [m.output_shape(0)]
        s, z = m.input_quant(0)
        self.input_scale, self.input_zero_point = [s], [z]
        s, z = m.output_quant(0)
        self.output_scale, self.output_zero_point = [s], [z]

    def predict(self, inputs):
        global calls
        calls += 1
        x = inputs[0]
        given = self._m.input(0)
        if len(x) != len(given):
            raise ValueError("input of %d values for a model taking %d" % (len(x), len(given)))
        for i in range(len(x)):
            v = x[i]
            if not -128 <= v <= 127:
                raise ValueError("an int8 model's input value %r" % (v,))
            given[i] = v
        self._m.invoke()
        s, z = self.output_scale[0], self.output_zero_point[0]
        return [[(q - z) * s for q in self._m.output(0)]]
