"""Shared fixtures: run device code under the unix port and CPython.

``run_mpy(code=..., path=..., viper=True, heapsize=None)`` runs under the
MicroPython unix port with ``device/`` on MICROPYPATH and returns a RunResult
(returncode, stdout, stderr); with ``heapsize`` it runs on the 32-bit port.
``device_python`` is parametrized over the ways device code runs in tests:
the 64-bit unix port with viper and with viper forced off, the 32-bit port
(the emulated board's, viper on), the ARM Thumb test bed (the 32-bit port
built for ARM, under qemu-arm: viper compiles to a Cortex-M's Thumb-2 code)
and CPython.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from midge_host.paths import device_dir
from midge_host.unixport import RunResult, run_micropython, thumb_executable

REPO = Path(__file__).resolve().parents[1]
SHARED_REFERENCE = REPO.parent / "shared" / "reference"


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
        pytest.skip(f"reference data not found at {SHARED_REFERENCE} (clone with ../shared beside it)")
    return SHARED_REFERENCE
