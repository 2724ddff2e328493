"""The generated model suite (midge_host.modelgen): coverage, TFLM runs, determinism.

Built models are cached in pytest's cache folder (.pytest_cache/d/modelgen), so only the
first run pays for TensorFlow conversion (under 10 s); later runs read the cache.
"""

import importlib.util
import warnings

import numpy as np
import pytest

from midge_host import modelgen
from midge_host.errors import MidgeError
from midge_host.tflm import TflmModel, builtin_op_name, read_model, run_tflm

needs_tensorflow = pytest.mark.skipif(
    importlib.util.find_spec("tensorflow") is None, reason="TensorFlow (midge[train]) is not installed"
)

INTERPRETER_OPS = {
    "FULLY_CONNECTED", "CONV_2D", "DEPTHWISE_CONV_2D", "AVERAGE_POOL_2D", "MAX_POOL_2D", "MEAN",
    "RESHAPE", "SQUEEZE", "EXPAND_DIMS", "SHAPE", "STRIDED_SLICE", "PACK", "CONCATENATION", "PAD",
    "ADD", "SUB", "MUL", "SOFTMAX", "LOGISTIC", "TANH", "RELU", "RELU6", "LEAKY_RELU", "HARD_SWISH",
    "QUANTIZE", "DEQUANTIZE",
}


@pytest.fixture(scope="session")
def cache_dir(request, tmp_path_factory):
    if request.config.cache is not None:
        return request.config.cache.mkdir("modelgen")
    return tmp_path_factory.mktemp("modelgen-cache")


@pytest.fixture(scope="session")
def suite(cache_dir, tmp_path_factory):
    """{name: model bytes} for seed 0."""
    paths = modelgen.build_suite(tmp_path_factory.mktemp("suite"), seed=0, cache_dir=cache_dir)
    return {name: path.read_bytes() for name, path in paths.items()}


def test_suite_ops_are_the_interpreter_ops():
    assert modelgen.SUITE_OPS == INTERPRETER_OPS


@needs_tensorflow
@pytest.mark.slow
def test_suite_builds_every_spec(suite):
    assert list(suite) == list(modelgen.SPECS)
    assert all(len(data) < 16 * 1024 for data in suite.values())


@needs_tensorflow
@pytest.mark.slow
def test_suite_covers_every_op_and_feature(suite):
    ops = {name for data in suite.values() for name, _ in modelgen.ops_in(data)}
    assert modelgen.SUITE_OPS <= ops
    features = set().union(*(modelgen.features_in(data) for data in suite.values()))
    assert modelgen.SUITE_FEATURES <= features, sorted(modelgen.SUITE_FEATURES - features)


@needs_tensorflow
@pytest.mark.slow
@pytest.mark.parametrize("name", list(modelgen.SPECS))
def test_spec_contains_its_ops(suite, name):
    assert set(modelgen.SPECS[name].ops) <= {op for op, _ in modelgen.ops_in(suite[name])}


@needs_tensorflow
@pytest.mark.slow
@pytest.mark.parametrize("name", list(modelgen.SPECS))
def test_model_runs_under_tflm(suite, name):
    data = suite[name]
    spec = modelgen.SPECS[name]
    inputs = modelgen.random_inputs(data, 4, seed=1)
    io_type = np.float32 if spec.float_io else np.int8
    assert len(inputs) == len(spec.inputs) and all(x.dtype == io_type for x in inputs)
    outputs = run_tflm(data, inputs)
    assert len(outputs) == len(read_model(data).subgraphs[0].outputs)
    assert all(y.dtype == io_type and len(y) == 4 for y in outputs)


@needs_tensorflow
@pytest.mark.slow
@pytest.mark.parametrize("name", list(modelgen.SPECS))
def test_tflm_agrees_with_tflite_reference_kernels(suite, name):
    """Bit-exact, except outputs computed by SOFTMAX (TFLite rounds differently: up to
    3 LSB) and a standalone RELU6 whose output scale differs from its input's (TFLM clamps
    without requantizing, see the next test). TFLM handles every broadcast in the suite."""
    tf = pytest.importorskip("tensorflow")
    data = suite[name]
    inputs = modelgen.random_inputs(data, 8, seed=2)
    micro = run_tflm(data, inputs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tf.lite.Interpreter is deprecated in favour of LiteRT
        lite = tf.lite.Interpreter(
            model_content=data,
            experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_REF,
        )
    lite.allocate_tensors()
    tolerances = _output_tolerances(data)
    for sample in range(8):
        for detail, x in zip(lite.get_input_details(), inputs):
            lite.set_tensor(detail["index"], x[sample].reshape(detail["shape"]))
        lite.invoke()
        for index, (detail, y) in enumerate(zip(lite.get_output_details(), micro)):
            if tolerances[index] is not None:
                expected = lite.get_tensor(detail["index"]).reshape(y[sample].shape)
                difference = np.abs(expected.astype(np.float64) - y[sample]).max()
                assert difference <= tolerances[index], f"output {index}, sample {sample}"


def _output_tolerances(data):
    """Per output, the TFLM/TFLite difference allowed (None: not compared)."""
    parsed = read_model(data)
    graph = parsed.subgraphs[0]
    producers = {op.outputs[0]: op for op in graph.operators}
    relu6 = _requantizing_relu6_outputs(data)
    tolerances = []
    for position, index in enumerate(graph.outputs):
        op = producers[index]
        step = 1.0
        if builtin_op_name(parsed.operatorCodes[op.opcodeIndex]) == "DEQUANTIZE":
            step = float(graph.tensors[op.inputs[0]].quantization.scale[0]) * 1.0001
            op = producers[op.inputs[0]]
        softmax = builtin_op_name(parsed.operatorCodes[op.opcodeIndex]) == "SOFTMAX"
        tolerances.append(None if position in relu6 else 3 * step if softmax else 0.0)
    return tolerances


def _requantizing_relu6_outputs(data):
    """Output positions produced by a RELU6 whose output quantization differs from its input's."""
    parsed = read_model(data)
    graph = parsed.subgraphs[0]
    found = set()
    for op in graph.operators:
        if builtin_op_name(parsed.operatorCodes[op.opcodeIndex]) != "RELU6":
            continue
        source, result = (graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]])
        if list(source.quantization.scale) != list(result.quantization.scale):
            found |= {i for i, t in enumerate(graph.outputs) if t == op.outputs[0]}
    return found


@needs_tensorflow
@pytest.mark.slow
def test_tflm_relu6_clamps_in_the_input_quantization(suite):
    """TFLM's int8 RELU6 clamps to [zero point, quantized 6.0] of its *input* and copies
    the bytes, ignoring the output's scale; midge must do the same to be bit-exact."""
    data = suite["activations"]
    (position,) = _requantizing_relu6_outputs(data)
    model = TflmModel(data)
    x, = modelgen.random_inputs(data, 4, seed=3)
    y = model.run(x)[position]
    q = model.inputs[0]["quantization_parameters"]
    zero = int(q["zero_points"][0])
    six = min(127, zero + int(round(6.0 / q["scales"][0])))
    np.testing.assert_array_equal(y, np.clip(x, zero, six))


@needs_tensorflow
@pytest.mark.slow
def test_build_is_deterministic_for_a_seed(suite):
    first = modelgen.build_model("pool", seed=7, cache_dir=None)
    assert modelgen.build_model("pool", seed=7, cache_dir=None) == first
    assert modelgen.build_model("pool", seed=8, cache_dir=None) != first
    # Keras layer names reach the .tflite: they must not depend on what was built before.
    assert modelgen.build_model("keras_motion", seed=0, cache_dir=None) == suite["keras_motion"]


@needs_tensorflow
@pytest.mark.slow
def test_build_uses_the_cache(tmp_path, cache_dir, suite):
    data = modelgen.build_model("dense", seed=0, cache_dir=cache_dir)
    assert data == suite["dense"]
    cached = list(cache_dir.glob("dense-s0-*.tflite"))
    assert len(cached) == 1 and cached[0].read_bytes() == data


def test_unknown_spec_is_a_clear_error():
    with pytest.raises(MidgeError, match="no model spec named 'nope'"):
        modelgen.build_model("nope")


def test_ops_in_reads_versions(person_detect_model):
    ops = modelgen.ops_in(person_detect_model)
    assert {name for name, _ in ops} == {"AVERAGE_POOL_2D", "CONV_2D", "DEPTHWISE_CONV_2D", "RESHAPE", "SOFTMAX"}
    assert all(isinstance(version, int) and version >= 1 for _, version in ops)


def test_random_inputs_shapes_types_and_seed(person_detect_model):
    path = person_detect_model
    x, = modelgen.random_inputs(path, 3, seed=5)
    assert x.shape == (3, 96, 96, 1) and x.dtype == np.int8
    assert x.min() < -100 and x.max() > 100
    np.testing.assert_array_equal(x, modelgen.random_inputs(path, 3, seed=5)[0])
    assert not np.array_equal(x, modelgen.random_inputs(path, 3, seed=6)[0])


def _layout(model):
    """Per op: name, input and output shapes, weights quantized per-channel, and options
    (activation, padding, strides, depth multiplier, filter, keep_num_dims); not versions,
    names or quantization values, which the converter and the weights decide."""
    parsed = read_model(model)
    graph = parsed.subgraphs[0]

    def shape(index):
        return tuple(int(d) for d in graph.tensors[index].shape) if index >= 0 else None

    layout = []
    for op in graph.operators:
        name = builtin_op_name(parsed.operatorCodes[op.opcodeIndex])
        options = {key: getattr(op.builtinOptions, key) for key in (
            "fusedActivationFunction", "padding", "strideH", "strideW", "depthMultiplier",
            "filterHeight", "filterWidth", "dilationHFactor", "dilationWFactor", "keepNumDims")
            if hasattr(op.builtinOptions, key)}
        weights = graph.tensors[op.inputs[1]] if name in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED") else None
        per_channel = weights is not None and len(weights.quantization.scale) > 1
        layout.append((name, [shape(i) for i in op.inputs], [shape(i) for i in op.outputs], per_channel, options))
    return layout


LIKE_OPS = {
    "hello_world_like": ["FULLY_CONNECTED"] * 3,
    "micro_speech_like": ["RESHAPE", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "SOFTMAX"],
    "person_detect_like": ["DEPTHWISE_CONV_2D"] + ["DEPTHWISE_CONV_2D", "CONV_2D"] * 13
                          + ["AVERAGE_POOL_2D", "CONV_2D", "RESHAPE", "SOFTMAX"],
}
"""The op lists of TFLM's hello_world_int8, micro_speech_quantized and person_detect."""

TFLM_OF = {"hello_world_like": "hello_world/hello_world_int8.tflite",
           "micro_speech_like": "micro_speech/micro_speech_quantized.tflite",
           "person_detect_like": "person_detection/person_detect.tflite"}


@pytest.fixture(scope="module")
def like(cache_dir):
    """{name: model bytes} of the REFERENCE_LIKE models, seed 0."""
    try:
        return {name: modelgen.build_model(name, cache_dir=cache_dir) for name in modelgen.REFERENCE_LIKE}
    except MidgeError as exc:
        pytest.skip(f"cannot build the generated models: {exc}")


def test_reference_like_models_are_apart_from_the_suite():
    assert list(modelgen.REFERENCE_LIKE) == list(LIKE_OPS)
    assert not set(modelgen.REFERENCE_LIKE) & set(modelgen.SPECS)


@pytest.mark.parametrize("name", list(LIKE_OPS))
def test_reference_like_model_has_tflm_ops_and_int8_io(like, name):
    data = like[name]
    assert [op for op, *_ in _layout(data)] == LIKE_OPS[name]
    model = TflmModel(data)
    assert all(d["dtype"] == np.int8 for d in model.inputs + model.outputs)
    if modelgen.REFERENCE_LIKE[name].input_range[0] == 0:  # non-negative inputs, as TFLM's
        assert model.inputs[0]["quantization_parameters"]["zero_points"][0] == -128


@pytest.mark.parametrize("name", list(LIKE_OPS))
def test_reference_like_model_matches_tflm_shapes(like, name, reference_dir):
    """Op for op: the same shapes, options and per-channel weights as TFLM's file."""
    assert _layout(like[name]) == _layout(reference_dir / "tflm" / TFLM_OF[name])
