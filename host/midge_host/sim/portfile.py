"""The port path of an emulated board: a symlink to its pseudo-terminal, with
``PATH.pid`` beside it naming the `midge sim` process that serves it.

``claim`` creates both (refusing a path that is something else, or that a
live sim serves), ``release`` removes them if they are still ours,
``running_pid`` finds the sim serving a path, and ``stop`` asks it to exit.
"""

import os
import signal
import time
from pathlib import Path

from midge_host.errors import MidgeError
from midge_host.files import write_atomic

PTY_PREFIX = "/dev/pts/"


def pid_path(port):
    """``PATH.pid``: where the sim serving ``port`` writes its process id."""
    return Path(str(port) + ".pid")


def _is_sim_process(pid):
    """True if ``pid`` is alive and its command line is a `midge sim`."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            args = f.read().split(b"\0")
    except OSError:
        return False
    return b"sim" in args and any(b"midge" in a for a in args)


def running_pid(port):
    """The pid of the live `midge sim` serving ``port``, or None."""
    try:
        pid = int(pid_path(port).read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if _is_sim_process(pid) else None


def claim(port, pts):
    """Point ``port`` at the pty ``pts`` and record this process as its sim.

    A stale symlink to a pty (its sim is gone) is replaced; anything else
    already at ``port`` is an error, as is a port that a live sim serves.
    """
    port = Path(port)
    if not port.parent.is_dir():
        raise MidgeError(f"cannot create the port {port}: folder {port.parent} does not exist")
    pid = running_pid(port)
    if pid is not None:
        raise MidgeError(
            f"an emulated board is already running on {port} (pid {pid})",
            hint=f"connect to it with `mpremote connect {port}`, or stop it with "
                 f"`midge sim --port {port} --stop`",
        )
    if os.path.lexists(port):
        if not (port.is_symlink() and os.readlink(port).startswith(PTY_PREFIX)):
            raise MidgeError(
                f"{port} exists and is not an emulated board's port",
                hint="choose another --port, or remove that file",
            )
        port.unlink()
    os.symlink(pts, port)
    write_atomic(pid_path(port), f"{os.getpid()}\n")


def release(port, pts):
    """Remove ``port`` and its pid file if they still belong to this process."""
    port = Path(port)
    try:
        if port.is_symlink() and os.readlink(port) == pts:
            port.unlink()
    except OSError:
        pass
    try:
        if int(pid_path(port).read_text().strip()) == os.getpid():
            pid_path(port).unlink()
    except (OSError, ValueError):
        pass


def stop(port, timeout=10.0):
    """Ask the sim serving ``port`` to exit (SIGTERM) and wait; return its pid."""
    pid = running_pid(port)
    if pid is None:
        raise MidgeError(
            f"no emulated board is running on {port}",
            hint=f"start one with `midge sim --port {port}`",
        )
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _is_sim_process(pid):
        if time.monotonic() > deadline:
            raise MidgeError(
                f"the emulated board on {port} (pid {pid}) did not stop within {timeout:g} s",
                hint=f"kill it with `kill -9 {pid}`",
            )
        time.sleep(0.05)
    return pid
