"""Camera frames as int8 model input (feature kind ``image`` of ``midge.features``)."""

from midge.bits import zeros


class ImagePixels:
    """A grayscale camera frame as int8 model input: ``out[i] = pixel[i] - 128``
    for the ``width`` x ``height`` uint8 pixels of ``window`` (row-major), the
    int8 grid of a model trained on pixels / 255 quantized with zero point -128."""

    DEFAULTS = {"width": 96, "height": 96}
    int8_output = True

    def __init__(self, config):
        conf = dict(self.DEFAULTS)
        conf.update(config)
        for key in ("width", "height"):
            v = conf[key]
            if not isinstance(v, int) or isinstance(v, bool) or not 1 <= v <= 1024:
                raise ValueError("image %s must be an int in 1..1024 pixels, got %r" % (key, v))
        self.config = conf
        self.window_frames = 0
        self.channels = 1
        self.window_samples = conf["width"] * conf["height"]
        self.frame_count = conf["height"]
        self.feature_count = conf["width"]

    @property
    def shape(self):
        """(height, width)."""
        return (self.frame_count, self.feature_count)

    def new_output(self):
        """A zeroed array('b') of width x height."""
        return zeros("b", self.window_samples)

    def process(self, window, out):
        """Pixels of ``window`` (width x height bytes) minus 128 into ``out``."""
        n = self.window_samples
        if len(window) != n or len(out) != n:
            raise ValueError("an image window and its output hold %d values, got %d and %d"
                             % (n, len(window), len(out)))
        for i in range(n):
            out[i] = window[i] - 128
        return out
