"""Corrupt and truncated models raise ValueError (ModelError) quickly, never
IndexError, struct.error, RecursionError, MemoryError or a hang (CPython).

The mutated models are TFLM's hello_world (int8 and float), micro_speech and person_detect;
without ../shared the generated int8 ones of the same ops and shapes (hello_world_float
has none and skips)."""

import random
import time

import numpy as np
import pytest

import midge.nn

MODELS = ["hello_world_model", "hello_world_float", "micro_speech_model", "person_detect_model"]
"""Fixture names, and hello_world_float: TFLM's file alone."""
SECONDS_PER_LOAD = 10


def _mutants(data, seed):
    """Truncations, random byte and bit mutations, and corrupted offsets of ``data``."""
    rng = random.Random(seed)
    kind = seed % 4
    if kind == 0:
        return data[:rng.randrange(len(data))]
    buf = bytearray(data)
    if kind == 1:
        for _ in range(rng.randint(1, 16)):
            buf[rng.randrange(len(buf))] = rng.randrange(256)
    elif kind == 2:
        for _ in range(rng.randint(1, 8)):
            i = rng.randrange(len(buf))
            buf[i] ^= 1 << rng.randrange(8)
    else:
        # corrupt the first kilobyte: root, vtables and most table offsets live there
        for _ in range(rng.randint(1, 4)):
            buf[rng.randrange(min(len(buf), 1024))] = rng.choice((0, 1, 0x7F, 0x80, 0xFF, rng.randrange(256)))
    return bytes(buf)


def _try(data):
    start = time.monotonic()
    try:
        m = midge.nn.load(data)
    except ValueError:
        return "rejected", time.monotonic() - start
    if len(data) < 20000:
        m.invoke()
    return "loaded", time.monotonic() - start


@pytest.mark.parametrize("name", MODELS)
def test_mutated_models_only_raise_value_error(name, request):
    if name == "hello_world_float":
        path = request.getfixturevalue("reference_dir") / "tflm/hello_world/hello_world_float.tflite"
    else:
        path = request.getfixturevalue(name)
    data = path.read_bytes()
    seeds = 40 if "person" in name else 400
    outcomes = {"rejected": 0, "loaded": 0}
    for seed in range(seeds):
        outcome, seconds = _try(_mutants(data, seed))
        assert seconds < SECONDS_PER_LOAD, f"seed {seed} took {seconds:.1f}s"
        outcomes[outcome] += 1
    assert outcomes["rejected"] > seeds // 10, outcomes


def test_error_messages_are_specific(hello_world_model):
    data = hello_world_model.read_bytes()
    with pytest.raises(ValueError, match="TFL3"):
        midge.nn.load(data[:4] + b"XXXX" + data[8:])
    with pytest.raises(ValueError, match="truncated"):
        midge.nn.load(data[:len(data) // 2])
    with pytest.raises(ValueError, match="too short"):
        midge.nn.load(data[:5])


def test_model_error_is_a_value_error():
    assert issubclass(midge.nn.ModelError, ValueError)


def _with_op_version(data, version):
    """The model with every operator code's version set to ``version`` (object API round trip)."""
    import flatbuffers

    from midge_host.tflm import read_model, schema

    model = read_model(data)
    for code in model.operatorCodes:
        code.version = version
    builder = flatbuffers.Builder(len(data) + 1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def test_unsupported_custom_ops_are_named(reference_dir):
    with pytest.raises(ValueError, match="model op CUSTOM 'SignalWindow' is not supported"):
        midge.nn.load(str(reference_dir / "tflm/micro_speech/audio_preprocessor_int8.tflite"))


def test_unsupported_op_versions_are_named(hello_world_model):
    data = hello_world_model.read_bytes()
    assert midge.nn.load(_with_op_version(data, 1)).output_count == 1  # the round trip itself is sound
    with pytest.raises(ValueError, match=r"model op FULLY_CONNECTED v99 is not supported"):
        midge.nn.load(_with_op_version(data, 99))


def _stateful(data, op_code):
    """The model with its first operator turned into ``op_code`` reading an extra
    variable (state) tensor, as an SVDF or LSTM keyword model does."""
    import flatbuffers

    from midge_host.tflm import read_model, schema

    model = read_model(data)
    graph = model.subgraphs[0]
    code = model.operatorCodes[graph.operators[0].opcodeIndex]
    code.builtinCode = code.deprecatedBuiltinCode = op_code
    state = schema.TensorT()
    state.shape, state.type, state.buffer, state.name, state.isVariable = [1, 8], 9, 0, b"state", True
    graph.tensors.append(state)
    graph.operators[0].inputs = list(graph.operators[0].inputs) + [len(graph.tensors) - 1]
    builder = flatbuffers.Builder(len(data) + 1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


@pytest.mark.parametrize("op_code, name", [(27, "SVDF"), (44, "UNIDIRECTIONAL_SEQUENCE_LSTM")])
def test_stateful_models_name_the_operator_before_any_tensor_check(tmp_path, capsys, op_code, name):
    from midge_host.cli import main
    from midge_host.modelgen import build_model

    path = tmp_path / "stateful.tflite"
    path.write_bytes(_stateful(build_model("dense", seed=1), op_code))
    said = f"model op {name} is not supported (it keeps state between invokes; midge runs stateless models only"
    with pytest.raises(ValueError) as err:
        midge.nn.load(str(path))
    assert said in str(err.value)
    assert main(["inspect", str(path)]) == 0
    out = capsys.readouterr().out
    assert name in out and "not supported" in out and "before anything writes it" not in out
    np.save(tmp_path / "x.npy", np.zeros((1, 32), np.int8))
    for engine in ("micropython", "cpython"):
        code = main(["infer", str(path), "--input", str(tmp_path / "x.npy"), "--output", str(tmp_path / "y.npy"),
                     "--engine", engine])
        err_text = " ".join(capsys.readouterr().err.split())
        assert code == 1 and said in err_text, err_text


def test_a_variable_tensor_is_named_even_with_supported_ops():
    from midge_host.modelgen import build_model

    data = bytearray(_stateful(build_model("dense", seed=1), 9))  # FULLY_CONNECTED, plus a state tensor
    with pytest.raises(ValueError, match="tensor 'state' is a variable tensor: midge runs stateless models only"):
        midge.nn.load(data)


def test_a_folder_given_as_a_model_says_so(tmp_path, capsys):
    from midge_host.cli import main

    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "model.tflite").write_bytes(b"x")
    for argv in (["inspect", str(tmp_path)], ["infer", str(tmp_path), "--input", "x.npy", "--output", "y.npy"]):
        assert main(argv) == 1
        err = capsys.readouterr().err
        assert f"{tmp_path} is a folder, not a model file" in err and "build/model.tflite" in err, err
