"""Corrupt and truncated models raise ValueError (ModelError) quickly, never
IndexError, struct.error, RecursionError, MemoryError or a hang (CPython)."""

import random
import time

import pytest

import midge.nn

MODELS = ["hello_world/hello_world_int8.tflite", "hello_world/hello_world_float.tflite",
          "micro_speech/micro_speech_quantized.tflite", "person_detection/person_detect.tflite"]
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
def test_mutated_models_only_raise_value_error(name, reference_dir):
    data = (reference_dir / "tflm" / name).read_bytes()
    seeds = 40 if "person" in name else 400
    outcomes = {"rejected": 0, "loaded": 0}
    for seed in range(seeds):
        outcome, seconds = _try(_mutants(data, seed))
        assert seconds < SECONDS_PER_LOAD, f"seed {seed} took {seconds:.1f}s"
        outcomes[outcome] += 1
    assert outcomes["rejected"] > seeds // 10, outcomes


def test_error_messages_are_specific(reference_dir):
    data = (reference_dir / "tflm/hello_world/hello_world_int8.tflite").read_bytes()
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


def test_unsupported_ops_are_named(reference_dir):
    with pytest.raises(ValueError, match="model op CUSTOM 'SignalWindow' is not supported"):
        midge.nn.load(str(reference_dir / "tflm/micro_speech/audio_preprocessor_int8.tflite"))
    data = (reference_dir / "tflm/hello_world/hello_world_int8.tflite").read_bytes()
    assert midge.nn.load(_with_op_version(data, 1)).output_count == 1  # the round trip itself is sound
    with pytest.raises(ValueError, match=r"model op FULLY_CONNECTED v99 is not supported"):
        midge.nn.load(_with_op_version(data, 99))
