"""midge.nn is bit-exact with TFLite-Micro on midge_host.modelgen's REFERENCE_LIKE models
(and its MLPERF_LIKE ds_cnn_like):
the op lists and tensor shapes of TFLM's hello_world, micro_speech and person_detect with
random weights, so this holds on a clone without ../shared (test_reference_parity.py runs
TFLM's own files). Random int8 records plus the edge records -128, 0 and 127 (hello_world:
every int8 value), under CPython, the unix port with viper on and off, the 32-bit port and
the ARM Thumb test bed. person_detect_like takes 1.4 s a record in plain Python, so
CPython and unix-plain run one random record of it besides the edges."""

import numpy as np
import pytest

from midge_host.errors import MidgeError
from midge_host.unixport import thumb_executable
from nn_support import KINDS, assert_same

modelgen = pytest.importorskip("midge_host.modelgen")

ALL_KINDS = KINDS + ["unix32", "thumb"]
PERSON_RECORDS = {"cpython": 1, "unix-plain": 1}
"""Random person_detect_like records per kind (default 8): plain Python is slow on it."""


@pytest.fixture(scope="module")
def like(tmp_path_factory):
    """``like(name)``: the path of REFERENCE_LIKE model ``name`` (seed 0, cached by modelgen)."""
    out = tmp_path_factory.mktemp("like")

    def path(name):
        target = out / f"{name}.tflite"
        if not target.exists():
            try:
                target.write_bytes(modelgen.build_model(name))
            except MidgeError as exc:
                pytest.skip(f"cannot build the generated models: {exc}")
        return target

    return path


@pytest.fixture(params=ALL_KINDS)
def kind(request):
    if request.param == "thumb" and not thumb_executable():
        pytest.skip("no ARM Thumb test bed (make setup)")
    return request.param


def _with_edges(x):
    """``x`` plus one record of -128, one of 0 and one of 127."""
    return np.concatenate([x] + [np.full((1,) + x.shape[1:], v, np.int8) for v in (-128, 0, 127)])


def _check(kind, model, x, tmp_path):
    """Bit-exact with TFLM, on outputs that tell the records apart (a constant output would prove little)."""
    (got,), _ = assert_same(kind, model, [x], tmp_path)
    assert len({record.tobytes() for record in got}) > 1, f"{model.name}: one output for every record"


def test_hello_world_like_every_input(kind, like, tmp_path):
    _check(kind, like("hello_world_like"), np.arange(-128, 128, dtype=np.int8).reshape(256, 1, 1), tmp_path)


def test_micro_speech_like(kind, like, tmp_path):
    model = like("micro_speech_like")
    x, = modelgen.random_inputs(model.read_bytes(), 36, seed=1234)
    smooth = np.cumsum(np.random.default_rng(1234).integers(-9, 10, size=(1, 1960)), axis=1)
    _check(kind, model, _with_edges(np.concatenate([x, np.clip(smooth, -128, 127).astype(np.int8)])), tmp_path)


@pytest.mark.slow
def test_person_detect_like(kind, like, tmp_path):
    model = like("person_detect_like")
    x, = modelgen.random_inputs(model.read_bytes(), PERSON_RECORDS.get(kind, 8), seed=96)
    _check(kind, model, _with_edges(x), tmp_path)


@pytest.mark.slow
def test_ds_cnn_like(kind, like, tmp_path):
    """MLPerf Tiny's keyword spotter's shape (modelgen.MLPERF_LIKE): every kernel the asm_thumb
    kernels replace on the Thumb test bed, at a real model's size."""
    model = like("ds_cnn_like")
    x, = modelgen.random_inputs(model.read_bytes(), PERSON_RECORDS.get(kind, 8), seed=49)
    _check(kind, model, _with_edges(x), tmp_path)
