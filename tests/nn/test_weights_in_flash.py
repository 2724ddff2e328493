"""midge.nn with weights="flash": each op's constants read from the model file
as it runs, only the largest op's in RAM (bit-exactness with TFLM:
test_generated_parity.py)."""

import numpy as np
import pytest

import midge.nn
from midge.nn import model as nn_model
from midge_host.errors import MidgeError
from nn_support import RUNNER, run_midge

modelgen = pytest.importorskip("midge_host.modelgen")


@pytest.fixture(scope="module")
def dense(tmp_path_factory):
    """A generated model of FULLY_CONNECTED layers, as a file."""
    path = tmp_path_factory.mktemp("flash") / "dense.tflite"
    try:
        path.write_bytes(modelgen.build_model("dense", 0))
    except MidgeError as exc:
        pytest.skip(f"cannot build the generated model: {exc}")
    return path


def _run(m, x):
    view = m.input(0)
    for i, v in enumerate(x):
        view[i] = int(v)
    m.invoke()
    return list(m.output(0))


def _weights_at(path):
    """(start, length) of the largest constant tensor's bytes in the file."""
    buf = path.read_bytes()
    parsed = nn_model.parse(buf, len(buf))
    i = max(range(len(parsed.nbytes)), key=lambda k: parsed.nbytes[k] if parsed.data_at[k] >= 0 else -1)
    return parsed.data_at[i], parsed.nbytes[i]


def test_every_invoke_reads_the_constants_from_the_file(dense, tmp_path):
    """Weights changed in the file after loading change the next output (what
    loading derived from them, such as per-unit weight sums, stays: the file
    must not change under a loaded model)."""
    path = tmp_path / "m.tflite"
    path.write_bytes(dense.read_bytes())
    m = midge.nn.load(str(path), weights="flash", chunk_bytes=16)
    x = np.random.default_rng(3).integers(-128, 128, len(m.input(0)))
    before = _run(m, x)
    assert before == _run(midge.nn.load(str(path)), x)
    at, n = _weights_at(path)
    data = bytearray(path.read_bytes())
    data[at:at + n] = bytes((b + 77) & 0xFF for b in data[at:at + n])
    path.write_bytes(bytes(data))
    assert _run(m, x) != before


def test_a_model_file_that_shrank_is_a_clear_error(dense, tmp_path):
    path = tmp_path / "m.tflite"
    path.write_bytes(dense.read_bytes())
    m = midge.nn.load(str(path), weights="flash")
    at, _ = _weights_at(path)
    path.write_bytes(dense.read_bytes()[:at + 1])
    with pytest.raises(midge.nn.ModelError, match="changed or shrank since it was loaded"):
        m.invoke()


def test_weights_in_flash_need_a_file(dense):
    with pytest.raises(ValueError, match="load it from a path"):
        midge.nn.load(dense.read_bytes(), weights="flash")
    with pytest.raises(ValueError, match="weights must be 'ram' or 'flash'"):
        midge.nn.load(str(dense), weights="rom")


MEASURE = """
import gc, sys, midge.nn
midge.nn.load(sys.argv[1], weights=sys.argv[2])  # the op modules, once
gc.collect()
before = gc.mem_alloc()
m = midge.nn.load(sys.argv[1], weights=sys.argv[2])
gc.collect()
print(gc.mem_alloc() - before, m.arena_size)
"""


def test_flash_holds_the_largest_op_s_weights_not_the_file(run_mpy, dense):
    """On a 32-bit port: the model held in flash mode is smaller by the file's
    size less the scratch (the largest op's constants, here one row per FC op)."""
    size = dense.stat().st_size
    held = {}
    for weights in ("ram", "flash"):
        out = run_mpy(code=MEASURE, args=[str(dense), weights], heapsize="2M").check().split()
        held[weights] = int(out[0])
    buf = dense.read_bytes()
    parsed = nn_model.parse(buf, len(buf))
    largest = max(sum(parsed.nbytes[i] for i in op.inputs if i >= 0 and parsed.data_at[i] >= 0)
                  for op in parsed.operators)
    assert held["ram"] - held["flash"] >= size - largest - 512, (held, size, largest)


@pytest.mark.parametrize("kind", ["unix-viper", "thumb"])
def test_invoke_in_flash_mode_allocates_nothing(kind, dense, tmp_path):
    from midge_host.unixport import thumb_executable
    if kind == "thumb" and not thumb_executable():
        pytest.skip("no ARM Thumb test bed (make setup)")
    inputs = modelgen.random_inputs(dense.read_bytes(), 3, seed=1)
    _, report = run_midge(kind, dense, inputs, tmp_path, weights="flash", chunk_bytes=16)
    assert report.split()[-2:] == ["alloc", "0"], report
    assert RUNNER.exists()
