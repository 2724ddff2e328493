"""A generated suite of small int8 TFLite models covering every op midge's interpreter runs.

Each entry of ``SPECS`` is a small graph, built with TensorFlow from random weights, fully
integer-quantized with a representative dataset drawn from the same seed, and converted
with ``TFLITE_BUILTINS_INT8`` (int8 input and output, except the float-I/O specs, whose
float32 input and output bring QUANTIZE and DEQUANTIZE). Most specs are ``tf.function``
graphs converted with ``TFLiteConverter.from_concrete_functions`` (which works for plain
TensorFlow functions, unlike Keras 3 models); the ``keras_*`` specs are Keras 3 functional
models, exported and converted ``from_saved_model`` as midge's trainer does.

Together the specs cover ``SUITE_OPS`` (op names) and ``SUITE_FEATURES`` (fused
activations, padding, strides, dilation, depth multiplier, per-channel weights,
broadcasting, MEAN keepdims; see ``features_in``). Inputs are tiny (8x8x4 images, 16-64
unit dense layers) so a pure-Python interpreter runs each model quickly.

``REFERENCE_LIKE`` holds models with the op lists and tensor shapes of TFLite-Micro's
example models (hello_world_int8, micro_speech_quantized, person_detect), random weights
instead of trained ones, so that parity on models of that size is proven without TFLM's
files: tests use them when ../shared/reference is absent. Their logits layers' weights are
scaled so that SOFTMAX spreads over the int8 range for random inputs (a saturated output
would hide differences). They are kept apart from ``SPECS`` because person_detect_like
(a 96x96 MobileNet v1 0.25, 298 KB) takes 1.4 s per invoke in plain Python.
``MLPERF_LIKE`` holds one of MLPerf Tiny's shapes (ds_cnn_like: its keyword spotter, 2.7
M MACs) for the benchmarks.

- ``build_model(name, seed)`` returns the .tflite bytes of a spec of any of these dicts, cached on
  disk under ``build/modelgen/`` in the repository by spec, seed, TensorFlow/Keras versions
  and this file's source, so a cache hit does not even import TensorFlow.
- ``build_suite(out_dir, seed)`` writes ``<name>.tflite`` for every spec.
- ``ops_in``, ``features_in`` and ``random_inputs`` inspect any .tflite model; they need
  only numpy and `tflite-micro`, not TensorFlow.

For a fixed seed, TensorFlow 2.21 on one machine converts to identical bytes.
"""

import hashlib
import importlib.metadata
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from midge_host.errors import MidgeError
from midge_host.files import write_atomic
from midge_host.paths import cache_dir
from midge_host.tflm import builtin_op_name, read_model, schema

DEFAULT_CACHE_DIR = Path(os.environ.get("MIDGE_MODELGEN_CACHE") or cache_dir() / "modelgen")
"""Where built models are cached (override with the MIDGE_MODELGEN_CACHE variable)."""

CALIBRATION_SAMPLES = 32
"""Representative-dataset size: enough for stable ranges, small for speed."""


@dataclass(frozen=True)
class Spec:
    """One model of the suite.

    ``graph(rng)`` makes the float model from a numpy Generator that supplies every
    weight: a Python function of float32 tensors (traced as a ``tf.function`` over
    ``inputs``), or a Keras model when ``keras`` is set. ``inputs`` are the float input
    shapes, ``None`` marking a dynamic dimension (it becomes 1 in the .tflite shape).
    ``ops`` are the builtin ops the converted model must contain and ``exercises`` says
    what the spec is for. The converter orders a model's outputs its own way, not
    necessarily as the function returns them. Calibration inputs are standard normal, or
    uniform over ``input_range`` (low, high) where set, which fixes the input's
    quantization (a range from 0 gives the zero point -128 of TFLM's examples).
    ``like_tflm`` converts as TFLM's example models were converted: FULLY_CONNECTED
    weights per-tensor, not per-channel, and a RESHAPE that only flattens a
    FULLY_CONNECTED's input removed (FULLY_CONNECTED flattens its input itself).
    """

    name: str
    exercises: str
    ops: tuple
    inputs: tuple
    graph: object
    float_io: bool = False
    keras: bool = False
    input_range: tuple = None
    like_tflm: bool = False


# --- weights --------------------------------------------------------------------------

def _kernel(rng, shape, fan_in):
    """He-scaled normal weights, float32."""
    return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)


def _bias(rng, n):
    return (rng.standard_normal(n) * 0.1).astype(np.float32)


def _conv(rng, x, kernel, filters, stride=1, padding="SAME", dilation=1, gain=1.0):
    """tf.nn.conv2d with fresh random weights times ``gain``; ``kernel`` is (height, width)."""
    import tensorflow as tf

    fan_in = kernel[0] * kernel[1] * x.shape[-1]
    w = _kernel(rng, kernel + (x.shape[-1], filters), fan_in) * np.float32(gain)
    return tf.nn.conv2d(x, w, stride, padding, dilations=dilation) + _bias(rng, filters)


def _depthwise(rng, x, multiplier, stride=1, padding="SAME", dilation=1, kernel=(3, 3)):
    """tf.nn.depthwise_conv2d with fresh random weights and bias; ``kernel`` is (height, width)."""
    import tensorflow as tf

    channels = x.shape[-1]
    w = _kernel(rng, kernel + (channels, multiplier), kernel[0] * kernel[1])
    y = tf.nn.depthwise_conv2d(x, w, [1, stride, stride, 1], padding, dilations=[dilation, dilation])
    return y + _bias(rng, channels * multiplier)


def _dense(rng, x, units, gain=1.0):
    """x @ W + b with fresh random weights, W times ``gain`` (a logits layer's gain sets how
    far its SOFTMAX spreads)."""
    import tensorflow as tf

    w = _kernel(rng, (x.shape[-1], units), x.shape[-1]) * np.float32(gain)
    return tf.matmul(x, w) + _bias(rng, units)


# --- the specs ------------------------------------------------------------------------

def _dense_graph(rng):
    import tensorflow as tf

    def model(x):
        h = tf.nn.relu(_dense(rng, x, 64))
        h = tf.nn.relu6(_dense(rng, h, 32))
        return tf.nn.softmax(_dense(rng, h, 16))

    return model


def _conv_graph(rng):
    import tensorflow as tf

    def model(x):
        a = tf.nn.relu(_conv(rng, x, (3, 3), 8))
        a = _conv(rng, a, (3, 3), 8, dilation=2)
        a = tf.nn.relu6(_conv(rng, a, (3, 3), 8, stride=2))
        a = _conv(rng, a, (1, 1), 4, padding="VALID")
        b = tf.nn.relu(_conv(rng, x, (3, 3), 8, padding="VALID", dilation=2))
        b = tf.nn.relu6(_conv(rng, b, (1, 3), 6, stride=2, padding="VALID"))
        return a, b

    return model


def _depthwise_graph(rng):
    import tensorflow as tf

    def model(x):
        a = tf.nn.relu6(_depthwise(rng, x, 1))
        a = tf.nn.relu(_depthwise(rng, a, 2, stride=2))
        b = _depthwise(rng, x, 2, padding="VALID", dilation=2)
        b = tf.nn.relu(_depthwise(rng, b, 1, stride=2, padding="VALID"))
        return a, b

    return model


def _pool_graph(rng):
    import tensorflow as tf

    def model(x):
        smooth = tf.nn.avg_pool2d(x, 3, 1, "SAME")
        return (
            tf.reduce_mean(tf.nn.avg_pool2d(x, 2, 2, "VALID"), axis=[1, 2], keepdims=True),
            tf.reduce_mean(tf.nn.max_pool2d(x, 3, 1, "SAME"), axis=[1, 2]),
            tf.reduce_mean(x, axis=[2]),
            tf.nn.max_pool2d(smooth, 2, 2, "VALID"),
            tf.nn.avg_pool2d(x, 3, 2, "SAME"),
        )

    return model


def _tensors_graph(rng):
    import tensorflow as tf

    def model(x):
        rows = tf.reshape(x, [1, 8, 32])
        stacked = tf.stack([rows[:, 0:4], rows[:, 4:8]], axis=1)
        strided = x[:, ::2, 1::2]
        joined = tf.concat([x[..., 0:2], tf.nn.relu(x), x[..., 3:4]], axis=3)
        padded = tf.pad(strided, [[0, 0], [1, 1], [2, 0], [0, 0]])
        return stacked, joined, padded

    return model


def _dynamic_graph(rng):
    import tensorflow as tf

    def model(x):
        shape = tf.shape(x)
        frames = tf.reshape(x, [shape[0], shape[1], 32])
        y = tf.nn.relu(_conv(rng, tf.expand_dims(frames, 2), (1, 1), 8))
        return tf.squeeze(y, [2])

    return model


def _broadcast_graph(rng):
    import tensorflow as tf

    def model(a, b, c):
        scale = rng.uniform(0.5, 1.5, 4).astype(np.float32)
        return (
            tf.nn.relu(a + b),
            a - c,
            b - a,
            a * b,
            c * b,
            a * scale,
            a - tf.reduce_mean(a, axis=[1, 2], keepdims=True),
        )

    return model


def _activations_graph(rng):
    import tensorflow as tf

    def model(x):
        return (
            tf.nn.relu(x),
            tf.nn.relu6(x),
            tf.nn.leaky_relu(x, alpha=0.2),
            x * tf.nn.relu6(x + 3.0) / 6.0,
            tf.tanh(x),
            tf.sigmoid(x),
            tf.nn.softmax(x),
        )

    return model


def _float_dense_graph(rng):
    import tensorflow as tf

    def model(x):
        return tf.nn.softmax(_dense(rng, tf.nn.relu(_dense(rng, x, 32)), 4))

    return model


def _keras_kws_graph(rng):
    import keras

    layers = keras.layers
    x = inputs = keras.Input((16, 10, 1), batch_size=1)
    x = layers.Conv2D(8, 3, strides=2, padding="same", use_bias=False)(x)
    x = layers.ReLU()(layers.BatchNormalization()(x))
    x = layers.DepthwiseConv2D(3, padding="same", use_bias=False)(x)
    x = layers.ReLU()(layers.BatchNormalization()(x))
    x = layers.Conv2D(8, 1, use_bias=False)(x)
    x = layers.ReLU()(layers.BatchNormalization()(x))
    x = layers.Dropout(0.2)(layers.GlobalAveragePooling2D()(x))
    model = keras.Model(inputs, layers.Dense(4, activation="softmax")(x))
    _randomize(model, rng)
    return model


def _keras_motion_graph(rng):
    import keras

    layers = keras.layers
    x = inputs = keras.Input((32, 3), batch_size=1)
    x = layers.Conv1D(8, 5, activation="relu")(x)
    x = layers.MaxPooling1D(2)(x)
    x = layers.Conv1D(8, 3, activation="relu")(x)
    x = layers.Dense(16, activation="relu")(layers.GlobalAveragePooling1D()(x))
    model = keras.Model(inputs, layers.Dense(3, activation="softmax")(x))
    _randomize(model, rng)
    return model


def _randomize(model, rng):
    """Give every Keras weight a value from ``rng``, BatchNorm statistics included."""
    import keras

    for layer in model.layers:
        for variable in layer.weights:
            shape = tuple(variable.shape)
            name = variable.path.rsplit("/", 1)[-1]
            if name in ("gamma", "moving_variance"):
                value = rng.uniform(0.5, 1.5, shape)
            elif name in ("beta", "moving_mean", "bias"):
                value = rng.standard_normal(shape) * 0.1
            elif isinstance(layer, keras.layers.DepthwiseConv2D):
                value = _kernel(rng, shape, shape[0] * shape[1])
            else:
                value = _kernel(rng, shape, int(np.prod(shape[:-1])))
            variable.assign(np.asarray(value, np.float32))


_SPEC_LIST = [
    Spec("dense", "FULLY_CONNECTED fused RELU, RELU6 and NONE; SOFTMAX",
         ("FULLY_CONNECTED", "SOFTMAX"), ((1, 32),), _dense_graph),
    Spec("conv", "CONV_2D: SAME/VALID, strides 1 and 2, dilation 2, 3x3/1x1/1x3 kernels, "
         "fused NONE/RELU/RELU6, per-channel weights; two outputs",
         ("CONV_2D",), ((1, 8, 8, 3),), _conv_graph),
    Spec("depthwise", "DEPTHWISE_CONV_2D: depth multiplier 1 and 2, SAME/VALID, strides 1 and 2, "
         "dilation 2, fused NONE/RELU/RELU6, per-channel weights",
         ("DEPTHWISE_CONV_2D",), ((1, 8, 8, 4),), _depthwise_graph),
    Spec("pool", "AVERAGE_POOL_2D and MAX_POOL_2D (2x2 and 3x3, SAME/VALID, strides 1 and 2); "
         "MEAN over H,W with keepdims true and false, MEAN over W alone",
         ("AVERAGE_POOL_2D", "MAX_POOL_2D", "MEAN"), ((1, 8, 8, 4),), _pool_graph),
    Spec("tensors", "int8 data movement: RESHAPE, STRIDED_SLICE (begin/end and step 2), "
         "PACK, CONCATENATION of three tensors, PAD (pads with the zero point), RELU",
         ("RESHAPE", "STRIDED_SLICE", "PACK", "CONCATENATION", "PAD"), ((1, 8, 8, 4),), _tensors_graph),
    Spec("dynamic", "dynamic batch and time dimensions (1 in the .tflite shapes, as TFLM runs "
         "them), which keep ops the converter otherwise folds: int32 SHAPE, STRIDED_SLICE and PACK "
         "computing a RESHAPE target, EXPAND_DIMS, SQUEEZE",
         ("SHAPE", "STRIDED_SLICE", "PACK", "RESHAPE", "EXPAND_DIMS", "CONV_2D", "SQUEEZE"),
         ((None, None, 8, 4),), _dynamic_graph),
    Spec("broadcast", "ADD, SUB, MUL of two activations with broadcasting along channels, "
         "spatial axes, either operand and both at once; a constant operand; ADD fused RELU; "
         "three inputs and seven outputs",
         ("ADD", "SUB", "MUL", "MEAN"), ((1, 8, 8, 4), (1, 1, 1, 4), (1, 8, 8, 1)), _broadcast_graph),
    Spec("activations", "standalone RELU, RELU6, LEAKY_RELU, HARD_SWISH, TANH, LOGISTIC, "
         "SOFTMAX over the last axis of a 1x4x16 tensor; this RELU6's output scale differs from "
         "its input's, which TFLM ignores (it clamps in the input's quantization)",
         ("RELU", "RELU6", "LEAKY_RELU", "HARD_SWISH", "TANH", "LOGISTIC", "SOFTMAX"),
         ((1, 4, 16),), _activations_graph),
    Spec("float_dense", "float32 input and output: QUANTIZE and DEQUANTIZE around an int8 MLP",
         ("QUANTIZE", "FULLY_CONNECTED", "SOFTMAX", "DEQUANTIZE"), ((1, 16),), _float_dense_graph,
         float_io=True),
    Spec("keras_kws", "a Keras 3 DS-CNN as midge's trainer builds: Conv2D+BatchNorm+ReLU folded, "
         "DepthwiseConv2D, GlobalAveragePooling2D as MEAN, Dense+softmax",
         ("CONV_2D", "DEPTHWISE_CONV_2D", "MEAN", "FULLY_CONNECTED", "SOFTMAX"),
         ((1, 16, 10, 1),), _keras_kws_graph, keras=True),
    Spec("keras_motion", "a Keras 3 Conv1D model with float32 input and output: Conv1D as "
         "EXPAND_DIMS/CONV_2D/RESHAPE, MaxPooling1D, GlobalAveragePooling1D, Dense",
         ("QUANTIZE", "CONV_2D", "MAX_POOL_2D", "MEAN", "FULLY_CONNECTED", "SOFTMAX", "DEQUANTIZE"),
         ((1, 32, 3),), _keras_motion_graph, float_io=True, keras=True),
]

SPECS = {spec.name: spec for spec in _SPEC_LIST}
"""The suite, by name, in build order."""

SUITE_OPS = frozenset({
    "FULLY_CONNECTED", "CONV_2D", "DEPTHWISE_CONV_2D", "AVERAGE_POOL_2D", "MAX_POOL_2D", "MEAN",
    "RESHAPE", "SQUEEZE", "EXPAND_DIMS", "SHAPE", "STRIDED_SLICE", "PACK", "CONCATENATION", "PAD",
    "ADD", "SUB", "MUL", "SOFTMAX", "LOGISTIC", "TANH", "RELU", "RELU6", "LEAKY_RELU", "HARD_SWISH",
    "QUANTIZE", "DEQUANTIZE",
})
"""Every builtin op midge's interpreter must run; the suite contains them all."""

SUITE_FEATURES = frozenset(
    {f"{op} fused={act}" for op in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED")
     for act in ("NONE", "RELU", "RELU6")}
    | {f"{op} padding={pad}" for op in ("CONV_2D", "DEPTHWISE_CONV_2D", "AVERAGE_POOL_2D", "MAX_POOL_2D")
       for pad in ("SAME", "VALID")}
    | {f"{op} stride={s}" for op in ("CONV_2D", "DEPTHWISE_CONV_2D", "AVERAGE_POOL_2D", "MAX_POOL_2D")
       for s in (1, 2)}
    | {"CONV_2D dilation=2", "DEPTHWISE_CONV_2D dilation=2", "DEPTHWISE_CONV_2D multiplier=2",
       "CONV_2D per-channel", "DEPTHWISE_CONV_2D per-channel", "FULLY_CONNECTED per-channel",
       "ADD broadcast", "SUB broadcast", "MUL broadcast", "ADD fused=RELU",
       "MEAN keepdims=True", "MEAN keepdims=False",
       "STRIDED_SLICE int8", "STRIDED_SLICE int32", "PACK int8", "PACK int32"}
)
"""Op variants the suite must contain, in the vocabulary of ``features_in``."""


def _hello_world_like_graph(rng):
    import tensorflow as tf

    def model(x):
        h = tf.nn.relu(_dense(rng, x, 16))
        return _dense(rng, tf.nn.relu(_dense(rng, h, 16)), 1)

    return model


def _micro_speech_like_graph(rng):
    import tensorflow as tf

    def model(x):
        spectrogram = tf.reshape(x, [-1, 49, 40, 1])
        h = tf.nn.relu(_depthwise(rng, spectrogram, 8, stride=2, kernel=(10, 8)))
        return tf.nn.softmax(_dense(rng, tf.reshape(h, [1, 4000]), 4, gain=0.05))

    return model


PERSON_DETECT_BLOCKS = ((16, 1), (32, 2), (32, 1), (64, 2), (64, 1), (128, 2), (128, 1), (128, 1),
                        (128, 1), (128, 1), (128, 1), (256, 2), (256, 1))
"""MobileNet v1 0.25's 13 (pointwise filters, depthwise stride) blocks."""


def _person_detect_like_graph(rng):
    import tensorflow as tf

    def model(x):
        h = tf.nn.relu6(_depthwise(rng, x, 8, stride=2))  # a 3x3 conv of one channel: TFLM's is depthwise too
        for filters, stride in PERSON_DETECT_BLOCKS:
            h = tf.nn.relu6(_depthwise(rng, h, 1, stride=stride))
            h = tf.nn.relu6(_conv(rng, h, (1, 1), filters))
        logits = _conv(rng, tf.nn.avg_pool2d(h, 3, 2, "VALID"), (1, 1), 2, gain=10.0)
        return tf.nn.softmax(tf.reshape(logits, [1, 2]))

    return model


def _ds_cnn_like_graph(rng):
    import tensorflow as tf

    def model(x):
        h = tf.nn.relu(_conv(rng, x, (10, 4), 64, stride=2))
        for _ in range(4):
            h = tf.nn.relu(_depthwise(rng, h, 1))
            h = tf.nn.relu(_conv(rng, h, (1, 1), 64))
        pooled = tf.reshape(tf.nn.avg_pool2d(h, (25, 5), 1, "VALID"), [1, 64])
        return tf.nn.softmax(_dense(rng, pooled, 12, gain=0.5))

    return model


_REFERENCE_LIKE_LIST = [
    Spec("hello_world_like", "TFLM's hello_world_int8: int8 1x1 input from [0, 2 pi], FULLY_CONNECTED "
         "16 RELU, 16 RELU, 1", ("FULLY_CONNECTED",), ((1, 1),), _hello_world_like_graph,
         input_range=(0.0, 2 * np.pi), like_tflm=True),
    Spec("micro_speech_like", "TFLM's micro_speech_quantized: int8 1x1960 features from [0, 26], RESHAPE "
         "to 49x40x1, DEPTHWISE_CONV_2D 10x8 stride 2 multiplier 8 fused RELU, FULLY_CONNECTED 4, SOFTMAX",
         ("RESHAPE", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "SOFTMAX"), ((1, 1960),),
         _micro_speech_like_graph, input_range=(0.0, 26.0), like_tflm=True),
    Spec("person_detect_like", "TFLM's person_detect (MobileNet v1 0.25, 96x96x1 int8 from [-1, 1]): "
         "3x3 stride-2 DEPTHWISE_CONV_2D multiplier 8, 13 DEPTHWISE_CONV_2D + 1x1 CONV_2D blocks fused "
         "RELU6, AVERAGE_POOL_2D 3x3, 1x1 CONV_2D to 2, RESHAPE, SOFTMAX; per-channel weights",
         ("DEPTHWISE_CONV_2D", "CONV_2D", "AVERAGE_POOL_2D", "RESHAPE", "SOFTMAX"), ((1, 96, 96, 1),),
         _person_detect_like_graph, input_range=(-1.0, 1.0)),
]

REFERENCE_LIKE = {spec.name: spec for spec in _REFERENCE_LIKE_LIST}
"""Models shaped as TFLM's examples, by name; not part of the suite (``build_suite``)."""

MLPERF_LIKE = {spec.name: spec for spec in [
    Spec("ds_cnn_like", "MLPerf Tiny's keyword spotter (DS-CNN S, 49x10x1 int8 MFCCs): CONV_2D 10x4 "
         "stride 2 to 64, 4 DEPTHWISE_CONV_2D 3x3 + 1x1 CONV_2D 64 blocks fused RELU, AVERAGE_POOL_2D "
         "25x5, FULLY_CONNECTED 12, SOFTMAX; per-channel weights",
         ("CONV_2D", "DEPTHWISE_CONV_2D", "AVERAGE_POOL_2D", "FULLY_CONNECTED", "SOFTMAX"),
         ((1, 49, 10, 1),), _ds_cnn_like_graph, input_range=(-1.0, 1.0)),
]}
"""Models shaped as MLPerf Tiny's, by name (for benchmarks); not part of the suite."""


# --- building -------------------------------------------------------------------------

def build_model(name, seed=0, cache_dir=DEFAULT_CACHE_DIR):
    """The .tflite bytes of spec ``name`` built with ``seed``.

    ``name`` is a key of ``SPECS``, ``REFERENCE_LIKE`` or ``MLPERF_LIKE``. Served from ``cache_dir`` when a
    model with the same spec source, seed and TensorFlow/Keras versions is there;
    ``cache_dir=None`` always converts afresh. Raises MidgeError for an unknown name or
    when TensorFlow is not installed.
    """
    spec = SPECS.get(name) or REFERENCE_LIKE.get(name) or MLPERF_LIKE.get(name)
    if spec is None:
        raise MidgeError(f"no model spec named {name!r}",
                         hint=f"choose from {', '.join(list(SPECS) + list(REFERENCE_LIKE) + list(MLPERF_LIKE))}")
    if cache_dir is None:
        return _convert(spec, seed)
    cache_dir = Path(cache_dir)
    path = cache_dir / f"{name}-s{seed}-{_cache_key(name, seed)}.tflite"
    if path.is_file():
        return path.read_bytes()
    data = _convert(spec, seed)
    cache_dir.mkdir(parents=True, exist_ok=True)
    for stale in cache_dir.glob(f"{name}-s{seed}-*.tflite"):
        stale.unlink(missing_ok=True)
    write_atomic(path, data)
    return data


def build_suite(out_dir, seed=0, cache_dir=DEFAULT_CACHE_DIR):
    """Write ``<name>.tflite`` for every spec into ``out_dir``; return {name: path}."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    for name in SPECS:
        written[name] = out_dir / f"{name}.tflite"
        write_atomic(written[name], build_model(name, seed, cache_dir))
    return written


def _cache_key(name, seed):
    """Hash of what decides a model's bytes: this file, the spec, the seed, TF and Keras."""
    versions = [_version(dist) for dist in ("tensorflow", "tensorflow-cpu", "keras")]
    text = "\n".join([Path(__file__).read_text(), name, str(seed)] + versions)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _version(distribution):
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "-"


def _import_tensorflow():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        import tensorflow as tf
    except ImportError:
        raise MidgeError(
            "building models needs TensorFlow", hint="pip install 'midge[train]' (tensorflow-cpu)"
        ) from None
    return tf


def _convert(spec, seed):
    """Build spec's float graph from ``seed`` and convert it to a fully int8 .tflite."""
    tf = _import_tensorflow()
    weights = np.random.default_rng([seed, 0])
    with tempfile.TemporaryDirectory() as saved_model:
        if spec.keras:
            import keras

            keras.utils.clear_session()  # restart layer names (dense, dense_1, ...): they reach the .tflite
            spec.graph(weights).export(saved_model, verbose=False)
            converter = tf.lite.TFLiteConverter.from_saved_model(saved_model)
        else:
            module = tf.Module()
            module.model = tf.function(spec.graph(weights))
            signature = [tf.TensorSpec(shape, tf.float32) for shape in spec.inputs]
            function = module.model.get_concrete_function(*signature)
            converter = tf.lite.TFLiteConverter.from_concrete_functions([function], module)
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = lambda: _calibration(spec, seed)
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        if not spec.float_io:
            converter.inference_input_type = tf.int8
            converter.inference_output_type = tf.int8
        if spec.like_tflm:
            converter._experimental_disable_per_channel_quantization_for_dense_layers = True
            return _without_flatten_reshapes(converter.convert())
        return converter.convert()


def _without_flatten_reshapes(data):
    """``data`` without the RESHAPE ops whose output only feeds FULLY_CONNECTED input 0
    and keeps its last dimension (a flatten: FULLY_CONNECTED with keep_num_dims false
    reads [d0, ..., dn] as [d0 * ... * dn / depth, depth]); their output and shape tensors go too."""
    import flatbuffers

    model = read_model(data)
    graph = model.subgraphs[0]
    names = [builtin_op_name(model.operatorCodes[op.opcodeIndex]) for op in graph.operators]
    readers = {}
    for op in graph.operators:
        for index in op.inputs:
            readers.setdefault(index, []).append(op)
    dropped, removed = set(), []
    for op, name in zip(graph.operators, names):
        out = op.outputs[0]
        users = readers.get(out, [])
        if (name != "RESHAPE" or out in graph.outputs or len(users) != 1
                or builtin_op_name(model.operatorCodes[users[0].opcodeIndex]) != "FULLY_CONNECTED"
                or users[0].inputs[0] != out or users[0].builtinOptions.keepNumDims):
            continue
        users[0].inputs = [op.inputs[0]] + list(users[0].inputs[1:])
        removed.append(op)
        dropped.add(out)
        if len(op.inputs) > 1 and len(readers[op.inputs[1]]) == 1:
            dropped.add(op.inputs[1])
    if not removed:
        return data
    graph.operators = [op for op in graph.operators if not any(op is r for r in removed)]
    renumber = {}
    for old in range(len(graph.tensors)):
        if old not in dropped:
            renumber[old] = len(renumber)
    graph.tensors = [t for i, t in enumerate(graph.tensors) if i not in dropped]
    for op in graph.operators:
        op.inputs = [renumber[i] if i >= 0 else i for i in op.inputs]
        op.outputs = [renumber[i] for i in op.outputs]
    graph.inputs = [renumber[i] for i in graph.inputs]
    graph.outputs = [renumber[i] for i in graph.outputs]
    for signature in model.signatureDefs or ():
        for entry in list(signature.inputs or ()) + list(signature.outputs or ()):
            entry.tensorIndex = renumber[entry.tensorIndex]
    builder = flatbuffers.Builder(len(data))
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def _calibration(spec, seed):
    """Representative samples for ``spec``, drawn from ``seed``: standard normal, or
    uniform over ``spec.input_range``."""
    rng = np.random.default_rng([seed, 1])
    shapes = [tuple(1 if d is None else d for d in shape) for shape in spec.inputs]
    for _ in range(CALIBRATION_SAMPLES):
        if spec.input_range is None:
            yield [rng.standard_normal(shape).astype(np.float32) for shape in shapes]
        else:
            yield [rng.uniform(*spec.input_range, shape).astype(np.float32) for shape in shapes]


# --- inspecting -----------------------------------------------------------------------

def ops_in(model):
    """The builtin ops of a model (bytes or path) as a set of ``(name, version)`` pairs."""
    parsed = read_model(model)
    return {
        (builtin_op_name(parsed.operatorCodes[op.opcodeIndex]), parsed.operatorCodes[op.opcodeIndex].version)
        for graph in parsed.subgraphs
        for op in graph.operators or ()
    }


def features_in(model):
    """The op variants a model (bytes or path) contains, as strings such as
    ``"CONV_2D fused=RELU6"``, ``"CONV_2D padding=SAME"``, ``"CONV_2D stride=2"``
    (``HxW`` when unequal), ``"CONV_2D dilation=2"``, ``"DEPTHWISE_CONV_2D multiplier=2"``,
    ``"CONV_2D per-channel"``, ``"CONV_2D no-bias"``, ``"ADD broadcast"`` (operand shapes
    differ), ``"MEAN keepdims=False"`` and ``"PACK int8"`` (the first input's type).
    """
    parsed = read_model(model)
    found = set()
    for graph in parsed.subgraphs:
        for op in graph.operators or ():
            name = builtin_op_name(parsed.operatorCodes[op.opcodeIndex])
            tensors = [graph.tensors[i] if i >= 0 else None for i in op.inputs]
            found |= {f"{name} {feature}" for feature in _op_features(name, op.builtinOptions, tensors)}
    return found


def _op_features(name, options, tensors):
    features = {_enum_name(schema.TensorType, tensors[0].type).lower()}
    if hasattr(options, "fusedActivationFunction"):
        features.add("fused=" + _enum_name(schema.ActivationFunctionType, options.fusedActivationFunction))
    if hasattr(options, "padding"):
        features.add("padding=" + _enum_name(schema.Padding, options.padding))
    if hasattr(options, "strideH"):
        h, w = options.strideH, options.strideW
        features.add(f"stride={h}" if h == w else f"stride={h}x{w}")
    if getattr(options, "dilationHFactor", 1) > 1 or getattr(options, "dilationWFactor", 1) > 1:
        features.add(f"dilation={max(options.dilationHFactor, options.dilationWFactor)}")
    if hasattr(options, "keepDims"):
        features.add(f"keepdims={bool(options.keepDims)}")
    if name in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"):
        weights = tensors[1]
        if weights.quantization is not None and len(weights.quantization.scale) > 1:
            features.add("per-channel")
        if len(tensors) < 3 or tensors[2] is None:
            features.add("no-bias")
    if name == "DEPTHWISE_CONV_2D":
        features.add(f"multiplier={tensors[1].shape[3] // tensors[0].shape[3]}")
    if name in ("ADD", "SUB", "MUL") and list(tensors[0].shape) != list(tensors[1].shape):
        features.add("broadcast")
    return features


def _enum_name(enum, value):
    return next(key for key, v in vars(enum).items() if not key.startswith("_") and v == value)


_NUMPY_TYPES = {"INT8": np.int8, "UINT8": np.uint8, "INT16": np.int16, "INT32": np.int32, "FLOAT32": np.float32}


def random_inputs(model, n, seed=0):
    """``n`` random samples for each input of a model (bytes or path).

    Returns one array per input, shaped (n,) + the input's shape less a leading batch
    dimension of 1 (what ``run_tflm`` takes). Integer inputs are uniform over their whole
    type range (int8: -128..127); float inputs are standard normal, as in calibration.
    """
    parsed = read_model(model)
    graph = parsed.subgraphs[0]
    rng = np.random.default_rng(seed)
    arrays = []
    for index in graph.inputs:
        tensor = graph.tensors[index]
        shape = tuple(int(d) for d in tensor.shape)
        shape = (n,) + (shape[1:] if shape and shape[0] == 1 else shape)
        dtype = _NUMPY_TYPES.get(_enum_name(schema.TensorType, tensor.type))
        if dtype is None:
            raise MidgeError(f"input tensor type {_enum_name(schema.TensorType, tensor.type)} is not supported")
        if np.issubdtype(dtype, np.integer):
            info = np.iinfo(dtype)
            arrays.append(rng.integers(info.min, info.max, shape, endpoint=True, dtype=dtype))
        else:
            arrays.append(rng.standard_normal(shape).astype(dtype))
    return arrays
