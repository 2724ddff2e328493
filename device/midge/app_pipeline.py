"""The compute half of the app: window -> features -> int8 model input ->
model -> int8 output. ``midge.app`` and ``midge.verify`` both use this class,
so what verify checks bit for bit is exactly what the app runs.

    p = Pipeline(meta, "/model/model.tflite")
    p.features(window)        # window: int16 interleaved, meta["window_samples"] frames
    scores = p.invoke()       # memoryview of int8: the model's output 0
    p.input                   # memoryview of int8: the model's input 0 (after features)

Contract: the feature extractor built from ``meta["features"]`` writes its
int8 output straight into the model's input tensor (the extractor's int8
output *is* the model input; see docs/features.md). This is the one place
that maps a window to model input: a feature kind whose output is not int8
(motion with ``"output": "int32"``) is refused with a ValueError until
``midge.features`` provides its integer mapping. Nothing is allocated by
``features`` or ``invoke``.
"""

from midge import features as _features


class Pipeline:
    def __init__(self, meta, model_path):
        self.meta = meta
        fx = _features.build(meta["features"])
        probe = fx.new_output()
        if len(bytes(probe)) != len(probe):  # not one byte per value: not int8
            raise ValueError("feature kind %r outputs int32; this midge maps only int8 features "
                             "to the model input" % (meta["features"].get("kind"),))
        frames = meta["window_samples"]
        if fx.window_samples != frames:
            raise ValueError("meta.json window_samples %d but the %s features take %d"
                             % (frames, meta["features"].get("kind"), fx.window_samples))
        import midge.nn
        self.interpreter = midge.nn.load(model_path)
        self.input = self.interpreter.input(0)
        self.output = self.interpreter.output(0)
        n = fx.frame_count * fx.feature_count
        if len(self.input) != n:
            raise ValueError("the model takes %d int8 inputs but the features give %d (%d x %d)"
                             % (len(self.input), n, fx.frame_count, fx.feature_count))
        labels = meta["labels"]
        if meta["task"] == "classification" and len(self.output) != len(labels):
            raise ValueError("the model has %d outputs for %d labels" % (len(self.output), len(labels)))
        self.extractor = fx
        self.window_values = frames * meta["channels"]
        # the interpreter may reuse the input tensor for activations: keep a copy to score against
        self._x = bytearray(n) if meta["task"] == "anomaly" else None

    def features(self, window):
        """Features of ``window`` into the model's input tensor."""
        self.extractor.process(window, self.input)

    def invoke(self):
        """Run the model on its input; returns the int8 output (valid until the next call)."""
        x = self._x
        if x is not None:
            src = self.input
            for i in range(len(x)):
                x[i] = src[i] & 0xFF
        self.interpreter.invoke()
        return self.output

    def anomaly_score(self):
        """Mean squared difference of the int8 output from the int8 input of
        the last ``invoke`` (integer floor division): the ``mse_int`` score of
        an autoencoder (meta task "anomaly")."""
        x = self._x
        if x is None:
            raise ValueError("anomaly_score needs an anomaly model (meta.json task 'anomaly')")
        y = self.output
        n = len(x)
        if len(y) != n:
            raise ValueError("an mse_int anomaly model needs output size == input size, got %d and %d"
                             % (len(y), n))
        total = 0
        for i in range(n):
            v = x[i]
            d = y[i] - (v - ((v & 0x80) << 1))
            total += d * d
        return total // n
