"""The model zoo: small Keras models that midge's int8 interpreter runs.

Contract: ``build(name, params, input_shape, outputs, task, int8_input=True) -> keras.Model``.

- ``input_shape`` is the feature shape of one window (``(frames, features)``
  for audio and motion, ``(height, width, 1)`` for images); the model's input
  is that shape with a batch dimension of 1 (``keras.Input(..., batch_size=1)``,
  and ``quantize`` exports a batch-1 signature, so no SHAPE / STRIDED_SLICE /
  PACK ops computing the known shape survive conversion).
- Inputs are the extractor's int8 values as floats (-128..127). Every model
  starts with ``Rescaling(1/128)``, so training sees values in [-1, 1).
  ``int8_input=False`` builds the same model without that layer, taking the
  values / 128: ``quantize`` converts that twin (same weights), so the
  converted model has no MUL at its input and its int8 input is the feature
  grid itself (scale 1/128, zero point 0: the int8 values are the
  extractor's; see ``quantize``).
- Classifiers end in Dense + softmax over ``outputs`` classes. The
  autoencoder (``task == "anomaly"``) ends in Dense + tanh over the flattened
  input: it reconstructs ``x / 128``, and TFLite's int8 tanh output has the
  fixed scale 1/128 and zero point 0, so its int8 output lies on the same grid
  as the int8 input (the anomaly score's contract, docs/artifacts.md).
- ``fomo`` (``task == "detection"``) is fully convolutional and ends in a 1x1
  Conv2D + softmax per cell over ``outputs`` classes (channel 0 the
  background): (1, height / 8, width / 8, outputs), a FOMO heatmap
  (``midge.detect``).
- Only ops in midge's interpreter appear after conversion: CONV_2D,
  DEPTHWISE_CONV_2D, FULLY_CONNECTED, MAX_POOL_2D, AVERAGE_POOL_2D, MEAN,
  RESHAPE, SOFTMAX, TANH (Conv1D / MaxPooling1D become RESHAPE + 2-D ops).
- Unknown names or parameters are MidgeErrors naming the key
  (``model.params.<key>``) with the architecture's known parameters.

Keras is imported inside the builders, so importing this module is cheap.
"""

from midge_host.errors import MidgeError

DEFAULTS = {
    "mosquito_cnn1d": {"filters": [32, 64], "kernel_size": 3, "pool_size": 2, "dropout": 0.5},
    "ds_cnn": {"filters": 32, "blocks": 3, "first_kernel": [5, 5], "first_strides": [2, 2],
               "dropout": 0.2},
    "tiny_conv": {"filters": 8, "kernel": [10, 8], "strides": [2, 2], "dropout": 0.5},
    "frame_cnn": {"filters": [16, 16], "context": 3, "dropout": 0.2, "label_smoothing": 0.1},
    "mlp": {"hidden": [32, 16], "dropout": 0.1},
    "autoencoder": {"hidden": [32, 8, 32], "threshold_percentile": 99.0},
    "mobilenet_tiny": {"alpha": 0.25, "blocks": [[64, 2], [128, 2], [128, 1], [256, 2], [256, 1]],
                       "dropout": 0.2},
    "fomo": {"alpha": 0.35, "blocks": [[32, 1], [64, 2], [64, 1], [128, 2], [128, 1]], "head": 32,
             "object_weight": 10.0},
}
"""Every architecture's parameters and their defaults ([model.params] overrides them)."""

IMAGE_MODELS = ("mobilenet_tiny",)
"""Image classifiers (tests/train/test_zoo_learns.py holds each to a bar; fomo, the detector,
is held to its F1 bar in tests/train/test_templates.py)."""

TASKS = {"autoencoder": "anomaly", "fomo": "detection"}
"""Architectures for a task other than classification."""


def resolve(name, params):
    """The complete parameter dict for ``name`` (defaults overridden by ``params``)."""
    if name not in DEFAULTS:
        raise MidgeError(f"model.name: unknown architecture {name!r}",
                         hint="the zoo has " + ", ".join(DEFAULTS))
    out = dict(DEFAULTS[name])
    for key, value in params.items():
        if key not in out:
            raise MidgeError(f"model.params.{key}: not a parameter of {name}",
                             hint=f"{name} takes " + ", ".join(f"{k} (default {v!r})"
                                                              for k, v in DEFAULTS[name].items()))
        out[key] = value
    return out


def label_smoothing(params):
    """The label smoothing of a resolved parameter dict (0.0 for architectures without
    the ``label_smoothing`` parameter). Smoothed targets keep the logits in a few
    units, so the int8 logits (one scale for all classes) keep their resolution."""
    value = params.get("label_smoothing", 0.0)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 0.5:
        raise MidgeError(f"model.params.label_smoothing: must be a number in [0, 0.5), got {value!r}")
    return float(value)


def check_task(name, task):
    """MidgeError unless architecture ``name`` suits ``task``."""
    want = TASKS.get(name, "classification")
    if want != task:
        fits = [n for n in DEFAULTS if TASKS.get(n, "classification") == task]
        raise MidgeError(f"model.name: {name} is a {want} model, but the project's task is {task}",
                         hint="use " + " or ".join(fits))


def build(name, params, input_shape, outputs, task, int8_input=True):
    """A compiled-ready (uncompiled) Keras model; see the module docstring."""
    check_task(name, task)
    p = resolve(name, params)
    import keras
    from keras import layers

    inputs = keras.Input(shape=tuple(input_shape), batch_size=1, name="features")
    x = layers.Rescaling(1.0 / 128, name="int8_to_unit")(inputs) if int8_input else inputs
    x = BUILDERS[name](keras, layers, x, p, tuple(input_shape))
    if task == "anomaly":
        size = 1
        for d in input_shape:
            size *= d
        out = layers.Dense(size, activation="tanh", name="reconstruction")(x)
    elif task == "detection":
        out = layers.Conv2D(outputs, 1, activation="softmax", name="cells")(x)
    else:
        out = layers.Dense(outputs, activation="softmax", name="scores")(x)
    return keras.Model(inputs, out, name=name)


def _int_list(p, key, length=None):
    value = p[key]
    if isinstance(value, int):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, int) and v > 0 for v in value):
        raise MidgeError(f"model.params.{key}: must be a positive integer or a list of them, got {value!r}")
    if length and len(value) != length:
        raise MidgeError(f"model.params.{key}: must have {length} values, got {value!r}")
    return value


def _rate(p, key):
    value = p[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
        raise MidgeError(f"model.params.{key}: must be a number in [0, 1), got {value!r}")
    return float(value)


def _mosquito_cnn1d(keras, layers, x, p, shape):
    """The mosquito-wingbeat paper's 1D CNN over the spectrogram's frames x bins:
    (Conv1D + ReLU -> MaxPool1D) per entry of ``filters``, Flatten, Dropout."""
    if len(shape) != 2:
        raise MidgeError(f"mosquito_cnn1d takes (frames, bins) features, got shape {shape}")
    kernel = _int_list(p, "kernel_size", 1)[0]
    pool = _int_list(p, "pool_size", 1)[0]
    for k, filters in enumerate(_int_list(p, "filters")):
        x = layers.Conv1D(filters, kernel, activation="relu", name=f"conv{k}")(x)
        x = layers.MaxPooling1D(pool, name=f"pool{k}")(x)
    x = layers.Flatten(name="flatten")(x)
    return layers.Dropout(_rate(p, "dropout"), name="dropout")(x)


def _image(layers, x, shape):
    return layers.Reshape(tuple(shape) + (1,), name="as_image")(x) if len(shape) == 2 else x


def _relu_init(keras, depthwise=False):
    """He-normal initialisation for a conv followed by a ReLU, so the signal keeps
    its size through a deep stack (Keras' default, Glorot, shrinks it by about
    1/sqrt(2) per layer). A DepthwiseConv2D's fan-in is its 3 x 3 taps, but Keras
    counts taps x channels (its kernel is kh x kw x C x 1), so its "he_normal" is
    C times too small: measured on mobilenet_tiny at init, the pooled features'
    std fell from 0.58 at the input to 1.5e-6, the logits were constant and the
    loss stayed at ln 2; with these, it stays about 0.3 (tests/train/test_zoo_learns.py)."""
    if depthwise:
        return keras.initializers.RandomNormal(stddev=(2 / 9) ** 0.5)
    return "he_normal"


def _ds_cnn(keras, layers, x, p, shape):
    """DS-CNN (Hello Edge): a strided Conv2D, then ``blocks`` depthwise-separable
    blocks (DepthwiseConv2D 3x3 + ReLU, Conv2D 1x1 + ReLU), global average
    pooling, Dropout."""
    filters = _int_list(p, "filters", 1)[0]
    blocks = _int_list(p, "blocks", 1)[0]
    x = _image(layers, x, shape)
    x = layers.Conv2D(filters, tuple(_int_list(p, "first_kernel", 2)),
                      strides=tuple(_int_list(p, "first_strides", 2)), padding="same",
                      activation="relu", kernel_initializer=_relu_init(keras), name="conv0")(x)
    for k in range(blocks):
        x = layers.DepthwiseConv2D(3, padding="same", activation="relu",
                                   depthwise_initializer=_relu_init(keras, True), name=f"dw{k}")(x)
        x = layers.Conv2D(filters, 1, activation="relu", kernel_initializer=_relu_init(keras), name=f"pw{k}")(x)
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    return layers.Dropout(_rate(p, "dropout"), name="dropout")(x)


def _tiny_conv(keras, layers, x, p, shape):
    """TensorFlow's speech_commands tiny_conv: one strided Conv2D + ReLU over the
    frames x features image, Dropout, Flatten."""
    x = _image(layers, x, shape)
    x = layers.Conv2D(_int_list(p, "filters", 1)[0], tuple(_int_list(p, "kernel", 2)),
                      strides=tuple(_int_list(p, "strides", 2)), padding="same",
                      activation="relu", name="conv")(x)
    x = layers.Dropout(_rate(p, "dropout"), name="dropout")(x)
    return layers.Flatten(name="flatten")(x)


def _frame_cnn(keras, layers, x, p, shape):
    """A CNN over feature frames whose result does not depend on where in the
    window events fall: Conv2D over ``context`` frames x all features + ReLU
    (a 1-D convolution in time), Conv2D 1x1 + ReLU for each further entry of
    ``filters``, global average pooling over time, Dropout."""
    if len(shape) != 2:
        raise MidgeError(f"frame_cnn takes (frames, features) features, got shape {shape}")
    filters = _int_list(p, "filters")
    context = _int_list(p, "context", 1)[0]
    if context > shape[0]:
        raise MidgeError(f"model.params.context: {context} frames, but a window has {shape[0]}")
    x = _image(layers, x, shape)
    x = layers.Conv2D(filters[0], (context, shape[1]), activation="relu", name="conv0")(x)
    for k, units in enumerate(filters[1:], 1):
        x = layers.Conv2D(units, 1, activation="relu", name=f"conv{k}")(x)
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    return layers.Dropout(_rate(p, "dropout"), name="dropout")(x)


def _mlp(keras, layers, x, p, shape):
    """Flatten, then Dense + ReLU (+ Dropout) per entry of ``hidden``."""
    x = layers.Flatten(name="flatten")(x)
    for k, units in enumerate(_int_list(p, "hidden")):
        x = layers.Dense(units, activation="relu", name=f"dense{k}")(x)
        x = layers.Dropout(_rate(p, "dropout"), name=f"dropout{k}")(x)
    return x


def _autoencoder(keras, layers, x, p, shape):
    """Flatten, then Dense + ReLU per entry of ``hidden`` (encoder, bottleneck,
    decoder); ``build`` adds the tanh reconstruction layer."""
    value = p["threshold_percentile"]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 50 <= value <= 100:
        raise MidgeError(f"model.params.threshold_percentile: must be a number in [50, 100], got {value!r}")
    x = layers.Flatten(name="flatten")(x)
    for k, units in enumerate(_int_list(p, "hidden")):
        x = layers.Dense(units, activation="relu", name=f"dense{k}")(x)
    return x


def _backbone(keras, layers, x, p, shape):
    """Conv2D 3x3 stride 2 (32 x alpha filters), then per ``blocks`` entry
    [filters, stride] a DepthwiseConv2D 3x3 + ReLU6 and a Conv2D 1x1
    (filters x alpha) + ReLU6 (MobileNet v1)."""
    alpha = p["alpha"]
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 < alpha <= 1:
        raise MidgeError(f"model.params.alpha: must be a number in (0, 1], got {alpha!r}")
    blocks = p["blocks"]
    if (not isinstance(blocks, list) or not blocks
            or not all(isinstance(b, list) and len(b) == 2 and all(isinstance(v, int) and v > 0 for v in b)
                       for b in blocks)):
        raise MidgeError(f"model.params.blocks: must be a list of [filters, stride] pairs, got {blocks!r}")
    x = _image(layers, x, shape)
    x = layers.Conv2D(max(8, int(32 * alpha)), 3, strides=2, padding="same",
                      kernel_initializer=_relu_init(keras), name="conv0")(x)
    x = layers.ReLU(6.0, name="relu0")(x)
    for k, (filters, stride) in enumerate(blocks):
        x = layers.DepthwiseConv2D(3, strides=stride, padding="same",
                                   depthwise_initializer=_relu_init(keras, True), name=f"dw{k}")(x)
        x = layers.ReLU(6.0, name=f"dw{k}_relu")(x)
        x = layers.Conv2D(max(8, int(filters * alpha)), 1, kernel_initializer=_relu_init(keras), name=f"pw{k}")(x)
        x = layers.ReLU(6.0, name=f"pw{k}_relu")(x)
    return x


def _fomo(keras, layers, x, p, shape):
    """FOMO (Edge Impulse's "faster objects, more objects"): the MobileNet-v1
    backbone of ``blocks`` with strides multiplying to 4 after the first conv's
    2 (a cell is 8 x 8 input pixels), then a Conv2D 1x1 of ``head`` filters +
    ReLU; the task's head adds the per-cell classes. ``object_weight`` weighs
    object cells against background cells in the training loss."""
    stride = 2
    for block in p["blocks"] if isinstance(p["blocks"], list) else []:
        stride *= block[1] if isinstance(block, list) and len(block) == 2 and isinstance(block[1], int) else 1
    if stride != 8:
        raise MidgeError(f"model.params.blocks: fomo's strides must multiply to 8 with the first conv's 2 "
                         f"(a cell of 8 x 8 pixels), got {stride}")
    if len(shape) != 3 or shape[0] % 8 or shape[1] % 8:
        raise MidgeError(f"fomo takes images whose sides are multiples of 8, got {shape[:2]}")
    weight = p["object_weight"]
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight < 1:
        raise MidgeError(f"model.params.object_weight: must be a number >= 1, got {weight!r}")
    x = _backbone(keras, layers, x, p, shape)
    x = layers.Conv2D(_int_list(p, "head", 1)[0], 1, kernel_initializer=_relu_init(keras), name="head")(x)
    return layers.ReLU(6.0, name="head_relu")(x)


def _mobilenet_tiny(keras, layers, x, p, shape):
    """A MobileNet-v1-style CNN for small grayscale images: ``_backbone``,
    global average pooling, Dropout."""
    x = _backbone(keras, layers, x, p, shape)
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    return layers.Dropout(_rate(p, "dropout"), name="dropout")(x)


BUILDERS = {
    "mosquito_cnn1d": _mosquito_cnn1d,
    "ds_cnn": _ds_cnn,
    "tiny_conv": _tiny_conv,
    "frame_cnn": _frame_cnn,
    "mlp": _mlp,
    "autoencoder": _autoencoder,
    "mobilenet_tiny": _mobilenet_tiny,
    "fomo": _fomo,
}
