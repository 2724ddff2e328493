"""`make demo`: the main job, as far as midge goes today.

Starts an emulated board (`midge sim`), copies the device package onto its
flash with the real `mpremote` CLI, runs the device self-test there and prints
what happened, step by step. Exits non-zero if any step fails.
"""

import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console

from midge_host.paths import device_dir
from midge_host.sim import SimBoard

console = Console()
MPREMOTE = str(Path(sys.executable).with_name("mpremote"))


def mpremote(port, *args, timeout=120):
    """Run the real mpremote CLI against ``port``; return (exit code, output)."""
    proc = subprocess.run([MPREMOTE, "connect", str(port), *args],
                          capture_output=True, text=True, timeout=timeout)
    return proc.returncode, (proc.stdout + proc.stderr).replace("\r\n", "\n")


def step(title, port, *args):
    console.rule(f"[bold]{title}")
    console.print(f"[dim]$ mpremote connect {port} {' '.join(args)}")
    started = time.monotonic()
    code, out = mpremote(port, *args)
    console.print(out.rstrip() or "[dim](no output)")
    console.print(f"[dim]exit {code} in {time.monotonic() - started:.1f} s")
    if code != 0:
        raise SystemExit(f"demo: step '{title}' failed (mpremote exit {code})")
    return out


def main():
    with SimBoard(board="sim") as board:
        console.rule("[bold]Emulated board")
        console.print(board.banner)
        step("Board identity", board.port, "exec",
             "import sys, gc; print(sys.implementation.name, sys.version, sys.platform);"
             " gc.collect(); print('heap free', gc.mem_free(), 'bytes')")
        step("Copy the device package to /lib/midge", board.port,
             "fs", "mkdir", ":/lib", "+", "fs", "cp", "-r", str(device_dir() / "midge"), ":/lib/")
        step("Files on the board", board.port, "fs", "ls", "/lib/midge")
        out = step("Device self-test on the board", board.port, "exec",
                   "import midge.selftest; midge.selftest.run()")
    if "0 failed" not in out:
        raise SystemExit("demo: the device self-test reported failures")
    console.rule("[bold green]demo: the emulated board runs midge; self-test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
