"""The emulated board: the MicroPython unix port behind a pseudo-terminal,
speaking a board's REPL, raw REPL and raw-paste protocol, so that the real
``mpremote`` (CLI or ``SerialTransport``) drives it as it drives a board.

Python API::

    from midge_host.sim import SimBoard
    with SimBoard(board="sim", flash_dir=tmp) as sim:
        subprocess.run(["mpremote", "connect", str(sim.port), "exec", "print(6*7)"])

``SimBoard`` runs `midge sim` as a subprocess. The pieces: ``bridge`` (pty,
board process, byte pump), ``board_repl`` (the MicroPython side),
``portfile`` (port symlink and pid file). See docs/sim.md.
"""

import hashlib
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from midge_host.errors import MidgeError
from midge_host.paths import boards_dir

DEFAULT_BOARD = "sim"
DEFAULT_HEAP_BYTES = 256 * 1024  # board "sim" when boards/sim.json gives none
MIN_HEAP_BYTES = 32 * 1024  # the emulator's own REPL needs ~20 KiB of it


def board_heap_bytes(board):
    """The heap of ``board``: ``heap_bytes`` from ``boards/<board>.json``, or
    DEFAULT_HEAP_BYTES for board "sim" when that file or key is absent."""
    path = boards_dir() / f"{board}.json"
    profile = {}
    if path.is_file():
        try:
            profile = json.loads(path.read_text())
        except (OSError, ValueError) as err:
            raise MidgeError(f"cannot read the board profile {path}: {err}") from None
    heap = profile.get("heap_bytes") if isinstance(profile, dict) else None
    if heap is None:
        if board == DEFAULT_BOARD:
            return DEFAULT_HEAP_BYTES
        if path.is_file():
            raise MidgeError(f"the board profile {path} has no heap_bytes")
        known = sorted({p.stem for p in boards_dir().glob("*.json")} | {DEFAULT_BOARD})
        raise MidgeError(f"unknown board {board!r}", hint=f"boards: {', '.join(known)}")
    if not isinstance(heap, int) or isinstance(heap, bool) or heap < MIN_HEAP_BYTES:
        raise MidgeError(
            f"heap_bytes in {path} must be a whole number of bytes >= {MIN_HEAP_BYTES}, not {heap!r}"
        )
    return heap


def default_flash_dir(board, port):
    """The flash folder of ``board`` served on ``port`` when none is given:
    one per board and port, under the user's cache."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    port = Path(port).absolute()
    digest = hashlib.sha256(str(port).encode()).hexdigest()[:8]
    return cache / "midge" / "sim" / f"{board}-{port.name}-{digest}"


class SimBoard:
    """An emulated board served by a `midge sim` subprocess.

    ``port`` (default: a fresh path in a temporary folder) is the path to give
    mpremote; ``flash_dir`` (default: a temporary folder, removed at stop) is
    the board's flash. ``start()`` returns once the board runs its REPL, or
    raises MidgeError with what the sim printed; ``stop()`` ends it and its
    files. Also a context manager. ``env`` is the subprocess's environment
    (e.g. MIDGE_BOARDS_DIR for other board profiles); ``bits`` the word size of
    its MicroPython (32, as boards, or 64).
    """

    def __init__(self, board=DEFAULT_BOARD, port=None, flash_dir=None, env=None, timeout=20.0, bits=32):
        self.board = board
        self.bits = bits
        self._tmp = tempfile.mkdtemp(prefix="midge-sim-") if port is None or flash_dir is None else None
        self.port = Path(port) if port is not None else Path(self._tmp) / "port"
        self.flash_dir = Path(flash_dir) if flash_dir is not None else Path(self._tmp) / "flash"
        self.env = env
        self.timeout = timeout
        self.banner = None
        self.output = []  # the sim's stderr lines
        self._proc = None
        self._stderr_thread = None

    @property
    def device(self):
        """The pseudo-terminal the port points to, e.g. /dev/pts/3."""
        return os.readlink(self.port)

    @property
    def pid(self):
        return self._proc.pid if self._proc else None

    def start(self):
        cmd = [sys.executable, "-m", "midge_host", "sim", "--board", self.board, "--bits", str(self.bits),
               "--port", str(self.port), "--dir", str(self.flash_dir)]
        self._proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self.env)
        self._stderr_thread = threading.Thread(target=self._collect_stderr, daemon=True)
        self._stderr_thread.start()
        ready, _, _ = select.select([self._proc.stdout], [], [], self.timeout)
        self.banner = self._proc.stdout.readline().decode(errors="replace").strip() if ready else ""
        if not self.banner:
            self.stop()
            raise MidgeError("the emulated board did not start:\n" + "".join(self.output).strip())
        return self

    def _collect_stderr(self):
        with self._proc.stderr as stderr:
            for line in stderr:
                self.output.append(line.decode(errors="replace"))

    def stop(self):
        """Stop the sim (SIGTERM, then SIGKILL after 10 s) and remove temporary files."""
        if self._proc is not None:
            if self._proc.poll() is None:
                self._proc.send_signal(signal.SIGTERM)
                try:
                    self._proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self._proc.kill()
                    self._proc.wait()
            self._proc.stdout.close()
            self._stderr_thread.join(timeout=2)
            self._proc = None
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
