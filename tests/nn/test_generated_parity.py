"""midge.nn is bit-exact with TFLite-Micro on host/midge_host/modelgen's suite
(TensorFlow-built random int8 models covering every supported op and variant),
for several weight seeds and many random inputs, under CPython and the unix port, and
with the asm_thumb kernels (DSP and armv6m) on the ARM Thumb test bed."""

import numpy as np
import pytest

from midge_host.errors import MidgeError
from nn_support import KINDS, assert_same

modelgen = pytest.importorskip("midge_host.modelgen")

SEEDS = (0, 1, 2)
RECORDS = 24


@pytest.fixture(scope="session")
def suite(tmp_path_factory):
    """{(spec, seed): path} of the generated models (built once, cached by modelgen)."""
    out = tmp_path_factory.mktemp("modelgen")
    paths = {}
    for seed in SEEDS:
        for name in modelgen.SPECS:
            path = out / f"{name}-{seed}.tflite"
            try:
                path.write_bytes(modelgen.build_model(name, seed))
            except MidgeError as exc:
                pytest.skip(f"cannot build the generated models: {exc}")
            paths[(name, seed)] = path
    return paths


def test_suite_covers_every_op(suite):
    import midge.nn
    seen = set()
    for path in suite.values():
        seen |= {name for name, _ in midge.nn.load(str(path)).ops}
    assert seen == set(modelgen.SUITE_OPS)


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", list(modelgen.SPECS))
def test_generated_model(name, kind, suite, tmp_path):
    for seed in SEEDS:
        model = suite[(name, seed)]
        inputs = _with_low_end(modelgen.random_inputs(model.read_bytes(), RECORDS, seed=100 + seed))
        assert_same(kind, model, inputs, tmp_path)


def _with_low_end(inputs):
    """``inputs`` plus one record at the low end of every int8 input (float inputs: zeros)."""
    return [np.concatenate([x, np.full((1,) + x.shape[1:], -128 if x.dtype == np.int8 else 0, x.dtype)])
            for x in inputs]


@pytest.mark.parametrize("asm", ["dsp", "armv6m"])
def test_generated_models_with_the_asm_kernels(asm, suite, tmp_path, monkeypatch):
    """Every generated model (weight seed 0) on the ARM Thumb test bed with the asm_thumb
    kernels a Cortex-M4/M7/M33 runs, and with the Thumb-1 ones a Cortex-M0+ runs."""
    from midge_host.unixport import thumb_executable
    if not thumb_executable():
        pytest.skip("no ARM Thumb test bed (make setup)")
    if asm == "armv6m":
        monkeypatch.setenv("MIDGE_ASM", "armv6m")
    else:
        monkeypatch.delenv("MIDGE_ASM", raising=False)
    for name in modelgen.SPECS:
        model = suite[(name, 0)]
        assert_same("thumb", model, _with_low_end(modelgen.random_inputs(model.read_bytes(), 8, seed=100)), tmp_path)


@pytest.mark.parametrize("kind", ["cpython", "unix-viper", "thumb"])
def test_generated_models_with_weights_in_flash(kind, suite, tmp_path):
    """weights="flash" (each op's constants read from the file as it runs, the
    FULLY_CONNECTED ops in row ranges: chunk_bytes=16 splits every one with more
    than 16 weights per row into one op per unit) stays bit-exact with TFLM."""
    from midge_host.unixport import thumb_executable
    if kind == "thumb" and not thumb_executable():
        pytest.skip("no ARM Thumb test bed (make setup)")
    for name in modelgen.SPECS:
        model = suite[(name, 0)]
        inputs = modelgen.random_inputs(model.read_bytes(), 6, seed=7)
        assert_same(kind, model, inputs, tmp_path, weights="flash", chunk_bytes=16)
