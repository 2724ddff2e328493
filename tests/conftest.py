"""Shared fixtures: run device code under the unix port and CPython.

``run_mpy(code=..., path=..., viper=True, heapsize=None)`` runs under the
MicroPython unix port with ``device/`` on MICROPYPATH and returns a RunResult
(returncode, stdout, stderr); with ``heapsize`` it runs on the 32-bit port.
``device_python`` is parametrized over the ways device code runs in tests:
the 64-bit unix port with viper and with viper forced off, the 32-bit port
(the emulated board's, viper on), the ARM Thumb test bed (the 32-bit port
built for ARM, under qemu-arm: viper compiles to a Cortex-M's Thumb-2 code)
and CPython.

``reference_dir`` is TFLite-Micro's example data in ../shared/reference beside the clone
(the MIDGE_REFERENCE_DIR variable overrides where; set it to a path that does not exist to
test as a clone without ../shared); tests about TFLM's own files skip without it.
``hello_world_model``, ``micro_speech_model`` and ``person_detect_model`` are TFLM's
example models from there, or else midge_host.modelgen's ``*_like`` models with the same
ops and tensor shapes (random weights, built once and cached under build/modelgen), so
tests that only need a model of that kind run either way; a test that asserts a figure
particular to one model keys it by the file name (``person_detect.tflite`` or
``person_detect_like.tflite``). ``person_detect_inputs`` are two images for
``person_detect_model``: person.bmp and no_person.bmp, or two random ones.
"""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from midge_host.paths import device_dir
from midge_host.unixport import RunResult, run_micropython, thumb_executable

REPO = Path(__file__).resolve().parents[1]
SHARED_REFERENCE = Path(os.environ.get("MIDGE_REFERENCE_DIR", REPO.parent / "shared" / "reference"))
TFLM_EXAMPLES = {
    "hello_world": "tflm/hello_world/hello_world_int8.tflite",
    "micro_speech": "tflm/micro_speech/micro_speech_quantized.tflite",
    "person_detect": "tflm/person_detection/person_detect.tflite",
}


@pytest.fixture
def run_mpy():
    return run_micropython


def run_cpython(code=None, path=None, timeout=120, **_ignored):
    """Run device code under CPython with device/ on sys.path (plain paths)."""
    env = dict(os.environ, PYTHONPATH=str(device_dir()))
    cmd = [sys.executable] + (["-c", code] if code is not None else [str(path)])
    proc = subprocess.run(cmd, capture_output=True, timeout=timeout, env=env)
    return RunResult(proc.returncode, proc.stdout.decode(), proc.stderr.decode())


@pytest.fixture(params=["unix-viper", "unix-plain", "unix32", "thumb", "cpython"])
def device_python(request):
    """A runner ``(code=..., path=..., heapsize=...) -> RunResult`` for each way device code runs."""
    if request.param == "cpython":
        return run_cpython
    viper = request.param != "unix-plain"
    bits = 32 if request.param in ("unix32", "thumb") else 64
    executable = None
    if request.param == "thumb":
        executable = thumb_executable()
        if executable is None:
            pytest.skip("no ARM Thumb test bed: install Debian's gcc-arm-linux-gnueabihf and qemu-user, "
                        "then `make setup`")

    def run(code=None, path=None, **kwargs):
        if "timeout" in kwargs and executable:
            kwargs["timeout"] *= 4  # qemu-arm
        return run_micropython(code=code, path=path, viper=viper, bits=bits, executable=executable, **kwargs)

    run.kind = request.param
    return run


@pytest.fixture(scope="session")
def reference_dir():
    """../shared/reference, or skip with a message naming what is missing."""
    if not SHARED_REFERENCE.is_dir():
        pytest.skip(f"reference data not found at {SHARED_REFERENCE} (clone with ../shared beside it, "
                    "or set MIDGE_REFERENCE_DIR)")
    return SHARED_REFERENCE


@pytest.fixture(scope="session")
def example_models(tmp_path_factory):
    """``example_models(name)``: TFLM's example model ``name`` (a key of TFLM_EXAMPLES) from
    ../shared/reference, or modelgen's ``<name>_like`` written to a temporary folder."""
    built = {}

    def model(name):
        if SHARED_REFERENCE.is_dir():
            return SHARED_REFERENCE / TFLM_EXAMPLES[name]
        if name not in built:
            from midge_host import modelgen
            from midge_host.errors import MidgeError

            path = tmp_path_factory.mktemp("examples") / f"{name}_like.tflite"
            try:
                path.write_bytes(modelgen.build_model(f"{name}_like"))
            except MidgeError as exc:
                pytest.skip(f"no reference data at {SHARED_REFERENCE} and the generated {name}_like "
                            f"cannot be built: {exc}")
            built[name] = path
        return built[name]

    return model


@pytest.fixture(scope="session")
def hello_world_model(example_models):
    """TFLM's hello_world_int8.tflite, or hello_world_like.tflite."""
    return example_models("hello_world")


@pytest.fixture(scope="session")
def micro_speech_model(example_models):
    """TFLM's micro_speech_quantized.tflite, or micro_speech_like.tflite."""
    return example_models("micro_speech")


@pytest.fixture(scope="session")
def person_detect_model(example_models):
    """TFLM's person_detect.tflite, or person_detect_like.tflite."""
    return example_models("person_detect")


@pytest.fixture(scope="session")
def person_detect_inputs(person_detect_model):
    """(2, 1, 96, 96, 1) int8: person.bmp and no_person.bmp as TFLM's examples feed them
    for TFLM's model; two seeded random images for the generated one."""
    if person_detect_model.name == "person_detect.tflite":
        from tests.nn.nn_support import read_bmp_int8

        folder = person_detect_model.parent
        return np.stack([read_bmp_int8(folder / "person.bmp"), read_bmp_int8(folder / "no_person.bmp")])
    return np.random.default_rng(96).integers(-128, 128, size=(2, 1, 96, 96, 1), dtype=np.int8)
