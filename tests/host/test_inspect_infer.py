"""`midge inspect` and `midge infer` on TFLM's micro_speech and hello_world models in
../shared/reference, or without it the generated models of the same ops and shapes
(the same MACs and arenas; tensor names differ, keyed by file name below).

inspect: tensors, ops with versions and MACs, weight bytes, both arenas, per-op support.
infer: the micropython, cpython and tflm engines give identical outputs; bad inputs are
`midge:` errors with exit status 1.
"""

import json
import re

import flatbuffers
import numpy as np
import pytest

import midge.nn
from midge_host import cli
from midge_host.tflm import read_model

ENGINES = ["micropython", "cpython", "tflm"]
INPUT_NAME = {"micro_speech_quantized.tflite": "Reshape_1", "micro_speech_like.tflite": "serving_default_x:0"}
OUTPUT_NAME = {"hello_world_int8.tflite": "StatefulPartitionedCall:0", "hello_world_like.tflite": "PartitionedCall:0"}


@pytest.fixture
def micro_speech(micro_speech_model):
    return micro_speech_model


@pytest.fixture
def hello(hello_world_model):
    return hello_world_model


def _inspect_json(capsys, *argv):
    assert cli.main(["inspect", *map(str, argv), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_inspect_micro_speech(capsys, micro_speech):
    info = _inspect_json(capsys, micro_speech)
    assert [(op["name"], op["version"]) for op in info["ops"]] == midge.nn.load(str(micro_speech)).ops
    assert [op["macs"] for op in info["ops"]] == [0, 25 * 20 * 8 * 10 * 8, 4 * 4000, 0]
    assert info["macs"] == 336000 and info["supported"]
    (inp,), (out,) = info["inputs"], info["outputs"]
    assert inp["shape"] == [1, 1960] and inp["type"] == "INT8" and inp["zero_point"] == -128
    assert out["shape"] == [1, 4] and out["scale"] == 1 / 256 and out["zero_point"] == -128
    assert info["arena"] == {"midge": 5968, "tflm": 7584}
    assert 16000 < info["weight_bytes"] < info["bytes"]


def test_inspect_table(capsys, micro_speech):
    assert cli.main(["inspect", str(micro_speech), "--no-tflm"]) == 0
    out = capsys.readouterr().out
    for text in (INPUT_NAME[micro_speech.name], "DEPTHWISE_CONV_2D", "320,000", "336,000", "5,968 bytes", "yes"):
        assert text in out


def test_inspect_marks_an_unsupported_op(capsys, hello, tmp_path):
    model = read_model(hello)
    model.operatorCodes[0].version = 99
    builder = flatbuffers.Builder(0)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    path = tmp_path / "v99.tflite"
    path.write_bytes(builder.Output())
    info = _inspect_json(capsys, path, "--no-tflm")
    assert not info["supported"]
    assert {(op["supported"], op["reason"]) for op in info["ops"]} == {
        (False, "model op FULLY_CONNECTED v99 is not supported")}


def _infer(tmp_path, model, x, engine, *extra):
    src, dst = tmp_path / f"x-{engine}.npy", tmp_path / f"y-{engine}.npy"
    np.save(src, x)
    assert cli.main(["infer", str(model), "--input", str(src), "--output", str(dst),
                     "--engine", engine, *extra]) == 0
    return np.load(dst)


def test_engines_agree_on_micro_speech(tmp_path, micro_speech):
    x = np.random.default_rng(2).integers(-128, 128, size=(12, 1960), dtype=np.int8)
    outs = [_infer(tmp_path, micro_speech, x, engine) for engine in ENGINES]
    assert outs[0].shape == (12, 4) and outs[0].dtype == np.int8
    for out in outs[1:]:
        assert np.array_equal(out, outs[0])


def test_engines_agree_on_hello_world(tmp_path, hello):
    x = np.arange(-128, 128, dtype=np.int8).reshape(256, 1, 1)
    outs = [_infer(tmp_path, hello, x, engine) for engine in ENGINES]
    assert outs[0].shape == (256, 1)
    for out in outs[1:]:
        assert np.array_equal(out, outs[0])


def test_quantize_flag_and_npz(tmp_path, hello):
    angles = np.linspace(0, 6, 7).reshape(7, 1)
    got = _infer(tmp_path, hello, angles, "cpython", "--quantize")
    scale, zero_point = midge.nn.load(str(hello)).input_quant(0)  # TFLM's: 0.0244801, -128
    src = tmp_path / "x.npz"
    np.savez(src, serving_default_dense_input_0=(np.round(angles / scale) + zero_point).astype(np.int8))
    assert cli.main(["infer", str(hello), "-i", str(src), "-o", str(tmp_path / "y.npz")]) == 0
    assert np.array_equal(np.load(tmp_path / "y.npz")[OUTPUT_NAME[hello.name]], got)


@pytest.mark.parametrize("make, message", [
    (lambda: np.zeros((3, 1961), np.int8), r"samples of shape \(1961,\) given .* the model takes \(1, 1960\)"),
    (lambda: np.zeros((3, 1960)), r"holds float64 values; the model takes int8"),
    (lambda: np.zeros((3, 1960), np.int16), r"holds int16 values; the model takes int8"),
    (None, r"cannot read .*: not a NumPy"),
    ("missing", r"input file not found"),
])
def test_bad_inputs_are_clear_errors(capsys, tmp_path, micro_speech, make, message):
    src = tmp_path / "x.npy"
    if make == "missing":
        src = tmp_path / "nothing.npy"
    elif make is None:
        src.write_text("not numpy")
    else:
        np.save(src, make())
    code = cli.main(["infer", str(micro_speech), "-i", str(src), "-o", str(tmp_path / "y.npy")])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("midge: ")
    assert re.search(message, err.splitlines()[0]), err


def test_wrong_input_count_and_missing_model(capsys, tmp_path, micro_speech):
    src = tmp_path / "x.npy"
    np.save(src, np.zeros((2, 1960), np.int8))
    assert cli.main(["infer", str(micro_speech), "-i", str(src), "-i", str(src), "-o", str(tmp_path / "y.npy")]) == 1
    assert "the model has 1 inputs, 2 arrays given" in capsys.readouterr().err
    assert cli.main(["inspect", str(tmp_path / "none.tflite")]) == 1
    assert "midge: model file not found" in capsys.readouterr().err
