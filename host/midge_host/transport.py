"""Talking to a board's raw REPL: mpremote's ``SerialTransport`` (default) or
adafruit-ampy's ``Pyboard`` + ``Files`` (``--transport ampy``).

``open_board(port, transport="mpremote") -> Board``; a ``Board`` is a context
manager with:

- ``exec(code, timeout=30) -> str``: run code in the raw REPL, return stdout;
  a device exception raises ``BoardError`` carrying the device traceback;
- ``start(code)``: run code without waiting (the app, a stream), then
  ``readline(timeout) -> str | None`` reads its output line by line and
  ``stop()`` interrupts it (Ctrl-C) and waits for the raw REPL prompt;
- ``write_file(path, data, progress)``: write bytes in base64 chunks through
  ``exec`` (larger chunks than mpremote's ``fs_writefile``: fewer round trips);
- ``read_file(path, offset=0, progress)``: bytes from ``offset`` on
  (mpremote: base64 chunks through ``exec``; ampy: ``Files.get``).

Errors opening the port or entering the raw REPL are MidgeErrors with a hint.
"""

import ast
import base64
import os
import time

from midge_host.errors import MidgeError

TRANSPORTS = ("mpremote", "ampy")
LOST = (OSError,)  # what pyserial raises when the device goes away (SerialException is an OSError)
CHUNK = 4096  # bytes per exec when writing files (about 5.5 KB of base64 text on the board)


class BoardError(MidgeError):
    """Code run on the board raised; ``message`` is the device traceback."""


class Board:
    """Common logic over a raw-REPL connection (``_raw``: the transport object)."""

    def __init__(self, port):
        self.port = port
        self._pending = b""

    # -- to be provided by a transport --
    def _exec_raw(self, code, timeout):
        raise NotImplementedError

    def _no_follow(self, code):
        raise NotImplementedError

    def _read_some(self):
        raise NotImplementedError

    def _write(self, data):
        raise NotImplementedError

    def _read_until(self, ending, timeout):
        raise NotImplementedError

    def close(self):
        raise NotImplementedError

    # -- common --
    def __enter__(self):
        return self

    def __exit__(self, kind, value, tb):
        try:
            self.close()
        except LOST:
            if kind is None:  # nothing failed before: losing the board now is the error
                raise self.lost(None) from None

    def lost(self, err):
        """The one error for a board that went away (unplugged, reset, the emulator killed)."""
        detail = f": {err}" if err else ""
        return MidgeError(f"lost the board on {self.port}{detail}",
                          hint="check the cable and that nothing reset the board, then run the command again "
                               "(an interrupted deploy resumes)")

    def _guarded(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except self._error as err:
            raise self.lost(err) from None
        except LOST as err:
            raise self.lost(err) from None

    def exec(self, code, timeout=30):
        out, err = self._exec_raw(code, timeout)
        if err:
            raise BoardError(f"the board raised an error:\n{err.decode(errors='replace').strip()}")
        return out.decode(errors="replace")

    def eval(self, expression, timeout=30):
        return ast.literal_eval(self.exec(f"print(repr({expression}))", timeout).strip())

    def start(self, code):
        self._no_follow(code)
        self._pending = b""

    def readline(self, timeout=1.0):
        """One line of output of the started code (without the line end), or None on timeout.
        Raises BoardError when the code ended with an error, EOFError when it ended."""
        deadline = time.monotonic() + timeout
        while True:
            line, newline, rest = self._pending.partition(b"\n")
            if b"\x04" in line:  # stdout ended: \x04, stderr, \x04, ">"
                head, _, rest = self._pending.partition(b"\x04")
                if head.strip():
                    self._pending = b"\x04" + rest
                    return head.decode(errors="replace").rstrip("\r")
                while b"\x04" not in rest:
                    more = self._read_until(b"\x04", timeout=5)
                    if not more:
                        break
                    rest += more
                self._pending = b""
                err = rest.partition(b"\x04")[0].decode(errors="replace").strip()
                if err:
                    raise BoardError(f"the board raised an error:\n{err}")
                raise EOFError("the code on the board ended")
            if newline:
                self._pending = rest
                return line.decode(errors="replace").rstrip("\r")
            if time.monotonic() > deadline:
                return None
            self._pending += self._read_some()

    def stop(self):
        """Interrupt started code and wait for the raw REPL prompt again."""
        self._write(b"\x03")
        self._read_until(b"\x04>", timeout=10)
        self._pending = b""

    def write_file(self, path, data, progress=None):
        if len(data) <= CHUNK:  # one exec: most files of a deploy are this small
            chunk = base64.b64encode(data).decode()
            self.exec(f"import binascii\nwith open({path!r},'wb') as f:f.write(binascii.a2b_base64('{chunk}'))")
            if progress:
                progress(len(data))
            return
        self.exec(f"import binascii\nf=open({path!r},'wb')\nw=f.write\nd=binascii.a2b_base64")
        try:
            for at in range(0, len(data), CHUNK):
                chunk = base64.b64encode(data[at:at + CHUNK]).decode()
                self.exec(f"w(d('{chunk}'))")
                if progress:
                    progress(min(at + CHUNK, len(data)))
        finally:
            self.exec("f.close()")

    def read_file(self, path, offset=0, progress=None):
        self.exec(f"import binascii\nf=open({path!r},'rb')\nf.seek({offset})\nr=f.read\n"
                  "e=binascii.b2a_base64")
        parts = []
        try:
            while True:
                text = self.exec(f"print(e(r({CHUNK})).decode(),end='')").strip()
                chunk = base64.b64decode(text) if text else b""
                if not chunk:
                    break
                parts.append(chunk)
                if progress:
                    progress(sum(map(len, parts)))
        finally:
            self.exec("f.close()")
        return b"".join(parts)


class MpremoteBoard(Board):
    def __init__(self, port, soft_reset=False):
        super().__init__(port)
        from mpremote.transport import TransportError
        from mpremote.transport_serial import SerialTransport
        self._error = TransportError
        try:
            self._raw = SerialTransport(str(port), baudrate=115200)
        except TransportError:
            raise cannot_open(port) from None
        try:
            self._raw.enter_raw_repl(soft_reset=soft_reset)
        except TransportError as err:
            self._raw.close()
            raise MidgeError(f"no MicroPython REPL on {port}: {err}",
                             hint="is MicroPython flashed, and no other program using the port?") from None

    def _exec_raw(self, code, timeout):
        return self._guarded(self._raw.exec_raw, code, timeout=timeout)

    def _no_follow(self, code):
        self._guarded(self._raw.exec_raw_no_follow, code)

    def _read_some(self):
        serial = self._raw.serial
        n = self._guarded(lambda: serial.in_waiting)
        if n:
            return self._guarded(serial.read, n)
        time.sleep(0.01)
        return b""

    def _write(self, data):
        self._guarded(self._raw.serial.write, data)

    def _read_until(self, ending, timeout):
        return self._guarded(self._raw.read_until, 1, ending, timeout=timeout)

    def close(self):
        try:
            if self._raw.in_raw_repl:
                self._raw.exit_raw_repl()
        finally:
            self._raw.close()


class AmpyBoard(Board):
    def __init__(self, port, soft_reset=False):
        super().__init__(port)
        from ampy.files import Files
        from ampy.pyboard import Pyboard, PyboardError
        self._error = PyboardError
        problem = port_problem(port)  # ampy does not lock the port: see that nobody else holds it
        if problem:
            raise problem
        try:
            self._raw = Pyboard(str(port), baudrate=115200)
        except PyboardError:
            raise cannot_open(port) from None
        self._files = Files(self._raw)
        try:
            self._raw.enter_raw_repl()
        except PyboardError as err:
            self._raw.close()
            raise MidgeError(f"no MicroPython REPL on {port}: {err}") from None

    def _exec_raw(self, code, timeout):
        return self._guarded(self._raw.exec_raw, code, timeout=timeout)

    def _no_follow(self, code):
        self._guarded(self._raw.exec_raw_no_follow, code)

    def _read_some(self):
        serial = self._raw.serial
        n = self._guarded(serial.inWaiting)
        if n:
            return self._guarded(serial.read, n)
        time.sleep(0.01)
        return b""

    def _write(self, data):
        self._guarded(self._raw.serial.write, data)

    def _read_until(self, ending, timeout):
        return self._guarded(self._raw.read_until, 1, ending, timeout=timeout)

    def read_file(self, path, offset=0, progress=None):
        if offset:
            return super().read_file(path, offset, progress)
        self._raw.exit_raw_repl()  # Files.get enters the raw REPL itself
        try:
            return self._files.get(path)
        except (RuntimeError, self._error) as err:
            raise BoardError(f"cannot read {path} on the board: {err}") from None
        finally:
            self._raw.enter_raw_repl()

    def close(self):
        try:
            self._raw.exit_raw_repl()
        finally:
            self._raw.close()


def port_problem(port):
    """Why ``port`` cannot be opened, as a MidgeError (absent, busy: another
    program holds it, not permitted), or None when it opens. The transports
    only say "failed to access", so the port is tried here."""
    import errno

    import serial

    if not os.path.exists(port):
        return MidgeError(f"cannot open {port}: no such port",
                          hint="check the cable and the port name (`mpremote connect list` lists ports)")
    try:
        serial.Serial(str(port), 115200, exclusive=True).close()
    except serial.SerialException as err:
        text = str(err)
        code = getattr(err, "errno", None)
        if code in (errno.EBUSY, errno.EAGAIN) or "lock" in text or "busy" in text.lower():
            return MidgeError(f"cannot open {port}: another program has it open",
                              hint="close it (mpremote, a serial monitor such as screen or minicom, Thonny, "
                                   "the Arduino IDE, a `midge monitor` in another terminal) and try again")
        if code == errno.EACCES:
            return MidgeError(f"cannot open {port}: permission denied",
                              hint="add your user to the port's group (often dialout), then log in again")
        return MidgeError(f"cannot open {port}: {text}", hint="check the cable and the port name")
    return None


def cannot_open(port):
    """The MidgeError for a port a transport failed to open."""
    return port_problem(port) or MidgeError(f"cannot open {port}",
                                            hint="check the cable and the port name, then try again")


def open_board(port, transport="mpremote", soft_reset=False):
    """A connected ``Board`` on ``port`` in the raw REPL (any running program
    interrupted; ``soft_reset`` also clears imported modules: ampy always does)."""
    if not port:
        raise MidgeError("no port given", hint="pass --port, e.g. --port /dev/ttyACM0 (or set MIDGE_PORT)")
    if transport == "mpremote":
        return MpremoteBoard(port, soft_reset)
    if transport == "ampy":
        return AmpyBoard(port)
    raise MidgeError(f"unknown transport {transport!r}", hint=f"choose {' or '.join(TRANSPORTS)}")
