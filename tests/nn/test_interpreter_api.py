"""midge.nn's public API, the arena planner, and zero allocation per invoke.

On TFLM's hello_world, micro_speech and person_detect, or without ../shared the generated
models of the same ops and shapes; that hello_world predicts a sine needs TFLM's own."""

import math

import numpy as np
import pytest

import midge.nn
from midge.nn import planner
from nn_support import RUNNER


@pytest.fixture
def hello_path(hello_world_model):
    return str(hello_world_model)


def test_api_of_a_loaded_model(hello_path):
    m = midge.nn.load(hello_path)
    assert m.ops == [("FULLY_CONNECTED", 4)] * 3
    assert m.input_shape(0) == (1, 1) and m.output_shape(0) == (1, 1)
    assert m.input_type(0) == "INT8" and m.input_count == 1 and m.output_count == 1
    scale, zp = m.input_quant(0)
    assert zp == -128 and scale > 0
    assert m.arena_size % planner.ALIGN == 0 and m.arena_size > 0
    x = m.input(0)
    x[0] = -100
    m.invoke()
    assert -128 <= m.output(0)[0] <= 127


def test_tflm_hello_world_predicts_a_sine(reference_dir):
    m = midge.nn.load(str(reference_dir / "tflm/hello_world/hello_world_int8.tflite"))
    scale, _ = m.input_quant(0)
    assert scale == pytest.approx(0.0244801)
    for v in (0.5, 1.5, 4.0):
        assert m.predict([v])[0] == pytest.approx(math.sin(v), abs=0.15)


def test_sources_path_bytes_bytearray_memoryview_agree(hello_path):
    data = open(hello_path, "rb").read()
    outs = []
    for source in (hello_path, data, bytearray(data), memoryview(data)):
        m = midge.nn.load(source)
        m.set_input([17])
        m.invoke()
        outs.append(m.get_output(0))
    assert all(o == outs[0] for o in outs)


def test_clear_errors(hello_path):
    m = midge.nn.load(hello_path)
    with pytest.raises(IndexError, match="has 1 inputs; there is no input 1"):
        m.input(1)
    with pytest.raises(ValueError, match="takes 1 values"):
        m.set_input([1, 2])
    with pytest.raises(ValueError, match="outside int8"):
        m.set_input([300])
    with pytest.raises(ValueError, match="arena"):
        midge.nn.load(hello_path, max_arena=8)
    with pytest.raises(OSError):
        midge.nn.load(hello_path + ".missing")


def test_planner_reuses_memory_of_dead_buffers():
    # a chain a -> b -> c -> d: a and c never live together, so they share memory
    buffers = [(1000, -1, 0), (500, 0, 1), (1000, 1, 2), (100, 2, 3)]
    offsets, size = planner.plan(buffers)
    assert all(off % planner.ALIGN == 0 for off in offsets)
    for i, (si, fi, li) in enumerate(buffers):
        for j, (sj, fj, lj) in enumerate(buffers):
            if i < j and fi <= lj and fj <= li:
                assert offsets[i] + si <= offsets[j] or offsets[j] + sj <= offsets[i]
    # largest first: a at 0; c also at 0 (a is dead); b after them at 1008; d at 1008 (b is dead)
    assert offsets == [0, 1008, 0, 1008]
    assert size == 1520


@pytest.mark.parametrize("viper", [True, False])
@pytest.mark.parametrize("name", ["micro_speech_model", "person_detect_model"])
def test_invoke_allocates_nothing_on_the_unix_port(run_mpy, request, tmp_path, name, viper):
    model = request.getfixturevalue(name)
    m = midge.nn.load(str(model))
    src, dst = tmp_path / "in.bin", tmp_path / "out.bin"
    np.random.default_rng(3).integers(-128, 128, size=(2, len(m.input(0))), dtype=np.int8).tofile(src)
    report = run_mpy(path=RUNNER, args=[str(model), str(src), str(dst)], viper=viper).check()
    words = report.split()
    assert words[words.index("alloc") + 1] == "0", report
    assert int(words[words.index("arena") + 1]) == m.arena_size
