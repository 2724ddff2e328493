"""Run device code with the hardware fakes (tests/sensors/fakes) importable,
under the unix port (viper on/off), the 32-bit port and CPython, like tests/conftest.py's
``device_python`` but with the fakes on MICROPYPATH / PYTHONPATH."""

import os
import subprocess
import sys
from pathlib import Path

from midge_host.paths import device_dir
from midge_host.unixport import RunResult, run_micropython

FAKES = Path(__file__).parent / "fakes"
KINDS = ("unix-viper", "unix-plain", "unix32", "cpython")


def runner(kind):
    def run(code, heapsize=None, timeout=120):
        if kind == "cpython":
            env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(FAKES), str(device_dir())]))
            proc = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=timeout, env=env)
            return RunResult(proc.returncode, proc.stdout.decode(), proc.stderr.decode())
        return run_micropython(code=code, viper=kind != "unix-plain", extra_path=[FAKES],
                               heapsize=heapsize, timeout=timeout, bits=32 if kind == "unix32" else 64)

    run.kind = kind
    return run
