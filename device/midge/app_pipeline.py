"""The compute half of the app: window -> features -> int8 model input ->
model -> int8 output. The one place that maps a window to model input: the
app, ``midge.verify`` and the host (`midge eval`, deploy's check, the host
replay) all run this class, so what verify checks bit for bit is what the app
runs and what the model was evaluated on.

    p = Pipeline(meta, "/model/model.tflite")   # meta: a checked midge.meta dict; or a loaded
                                                # midge.nn Interpreter; fx= an extractor built already
    p.features(window)        # window: int16, channels interleaved, p.window_values long
    scores = p.invoke()       # memoryview of int8: the model's output 0
    p.input                   # memoryview of int8: the model's input 0 (after features)

Contract: the feature extractor built from ``meta["features"]`` writes its
int8 output straight into the model's input tensor (input scale 1, zero point
0: docs/artifacts.md). Its window must be the meta's (``window_samples``
frames of ``channels`` values; for a camera, one frame of pixels) and its
output the model's input size; a mismatch is a ValueError saying which. A
feature config without its int8 map (motion with ``"output": "int32"``) is
refused. ``features`` and ``invoke`` allocate nothing.
"""


def extractor(meta):
    """The feature extractor of ``meta`` (the feature registry unloaded after use)."""
    from midge.features import build
    from midge.loading import forget
    fx = build(meta["features"])
    build = None
    forget("midge.features")
    return fx


class Pipeline:
    def __init__(self, meta, model, fx=None):
        self.meta = meta
        kind = meta["features"].get("kind")
        if fx is None:
            fx = extractor(meta)
        if not fx.int8_output:
            raise ValueError("the %s features output int32 without an int8_map; rebuild the model with "
                             "`midge train` and `midge quantize` (they fit the map)" % (kind,))
        if fx.window_frames != meta["window_samples"] or fx.channels != meta["channels"]:
            raise ValueError("meta.json windows are %d frames x %d channels but the %s features take "
                             "%d x %d" % (meta["window_samples"], meta["channels"], kind,
                                          fx.window_frames, fx.channels))
        if isinstance(model, str):
            import midge.nn
            model = midge.nn.load(model)
        self.interpreter = model
        self.input = self.interpreter.input(0)
        self.output = self.interpreter.output(0)
        n = fx.frame_count * fx.feature_count
        if len(self.input) != n:
            raise ValueError("the model takes %d int8 inputs but the %s features give %d (%d x %d)"
                             % (len(self.input), kind, n, fx.frame_count, fx.feature_count))
        labels = meta["labels"]
        if meta["task"] == "classification" and len(self.output) != len(labels):
            raise ValueError("the model has %d outputs for %d labels" % (len(self.output), len(labels)))
        self.extractor = fx
        self.window_values = fx.window_samples
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
