"""The emulated board (`midge sim`), driven by the real mpremote: its CLI as a
subprocess, and its Python API (``SerialTransport``), as a board is driven.

Everything has a timeout, so a hang fails a test instead of blocking the run.
"""

import hashlib
import json
import os
import pty
import re
import select
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
import serial
from mpremote.transport import TransportExecError
from mpremote.transport_serial import SerialTransport

from midge_host.sim import SimBoard

MPREMOTE = Path(sys.executable).with_name("mpremote")
MIDGE = [sys.executable, "-m", "midge_host"]


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    with SimBoard(flash_dir=tmp_path_factory.mktemp("flash")) as board:
        yield board


def mpremote(board, *args, timeout=60):
    """Run `mpremote connect PORT args...`; return the CompletedProcess (bytes)."""
    return subprocess.run([str(MPREMOTE), "connect", str(board.port), *args],
                          capture_output=True, timeout=timeout)


def ok(proc):
    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    return proc.stdout


class Transport:
    """A SerialTransport in the raw REPL, closed (back in the friendly REPL) on exit."""

    def __init__(self, board, soft_reset=True):
        self.board, self.soft_reset = board, soft_reset

    def __enter__(self):
        self.t = SerialTransport(str(self.board.port), baudrate=115200)
        self.t.enter_raw_repl(soft_reset=self.soft_reset)
        return self.t

    def __exit__(self, *exc):
        self.t.exit_raw_repl()
        self.t.close()


def test_exec_prints_with_board_line_ends(sim):
    assert ok(mpremote(sim, "exec", "print(6*7)")) == b"42\r\n"


def test_eval(sim):
    assert ok(mpremote(sim, "eval", "[1 + 2, 'x' * 3]")) == b"[3, 'xxx']\r\n"


def test_stdout_buffer_stays_binary_while_text_is_cooked(sim):
    code = "import sys; sys.stdout.buffer.write(b'a\\nb\\x00\\xff'); print(); sys.stdout.write('c\\n')"
    assert ok(mpremote(sim, "exec", code)) == b"a\nb\x00\xff\r\nc\r\n"


def test_run_a_local_file(sim, tmp_path):
    script = tmp_path / "job.py"
    script.write_text("def f(n):\n    return n * n\n\nfor i in range(3):\n    print('square', f(i))\n")
    assert ok(mpremote(sim, "run", str(script))) == b"square 0\r\nsquare 1\r\nsquare 4\r\n"


def test_bad_code_shows_a_board_traceback_and_fails(sim):
    proc = mpremote(sim, "exec", "def f():\n    return 1 / 0\nf()")
    assert proc.returncode == 1
    assert proc.stdout == (b'Traceback (most recent call last):\r\n'
                           b'  File "<stdin>", line 3, in <module>\r\n'
                           b'  File "<stdin>", line 2, in f\r\n'
                           b'ZeroDivisionError: divide by zero\r\n')
    proc = mpremote(sim, "exec", "x = (")
    assert proc.returncode == 1 and b"SyntaxError" in proc.stdout and b"midge-sim" not in proc.stdout


def test_file_round_trip_is_byte_identical(sim, tmp_path):
    src = tmp_path / "tree"
    (src / "a" / "b").mkdir(parents=True)
    files = {
        "all_bytes.bin": bytes(range(256)) * 8 + b"\x03\x04\x18\r\n\x00",
        "a/notes.txt": "line one\nline two\r\nünïcode\n".encode(),
        "a/b/big.bin": os.urandom(100 * 1024),
        "a/b/empty.dat": b"",
    }
    for name, data in files.items():
        (src / name).write_bytes(data)
    ok(mpremote(sim, "cp", "-r", str(src), ":"))
    for name, data in files.items():  # the flash is a folder: the board's files are plain files
        assert (sim.flash_dir / "tree" / name).read_bytes() == data, name
    back = tmp_path / "back"
    back.mkdir()
    ok(mpremote(sim, "cp", "-r", ":tree", str(back)))
    for name, data in files.items():
        assert (back / "tree" / name).read_bytes() == data, name
    out = ok(mpremote(sim, "sha256sum", ":tree/a/b/big.bin"))
    assert hashlib.sha256(files["a/b/big.bin"]).hexdigest().encode() in out


def test_fs_commands(sim):
    ok(mpremote(sim, "fs", "mkdir", ":fsdir"))
    ok(mpremote(sim, "exec", "open('fsdir/hello.txt', 'w').write('hello\\nboard\\n')"))
    # cat prints the text on the board, so it arrives cooked, as from a board
    assert ok(mpremote(sim, "fs", "cat", ":fsdir/hello.txt")).endswith(b"hello\r\nboard\r\n")
    listing = ok(mpremote(sim, "fs", "ls", ":fsdir")).decode()
    assert re.search(r"^\s*12 hello\.txt\r?$", listing, re.M), listing  # the size, as a board lists it
    ok(mpremote(sim, "exec", "import os; os.rename('fsdir/hello.txt', 'fsdir/moved.txt')"))
    assert (sim.flash_dir / "fsdir" / "moved.txt").read_text() == "hello\nboard\n"
    ok(mpremote(sim, "fs", "rm", ":fsdir/moved.txt"))
    ok(mpremote(sim, "fs", "rmdir", ":fsdir"))
    assert not (sim.flash_dir / "fsdir").exists()


def test_lib_is_on_sys_path_and_flash_is_root(sim):
    (sim.flash_dir / "lib").mkdir(exist_ok=True)
    (sim.flash_dir / "lib" / "libmod.py").write_text("VALUE = 'from /lib'\n")
    out = ok(mpremote(sim, "exec", "import sys, os, libmod; print(sys.path, libmod.VALUE, os.getcwd())"))
    assert out == b"['', '.frozen', '/lib'] from /lib /\r\n"


def test_mount_a_local_folder_and_import_from_it(sim, tmp_path):
    (tmp_path / "hostmod.py").write_text("def hello():\n    return 'hi from the host'\n")
    data = bytes(range(256)) * 64  # 0x03 in the mount protocol's data is data, not Ctrl-C
    (tmp_path / "data.bin").write_bytes(data)
    code = ("import hostmod, os, hashlib; print(hostmod.hello(), os.getcwd());"
            "print(hashlib.sha256(open('data.bin', 'rb').read()).digest().hex())")
    out = ok(mpremote(sim, "mount", str(tmp_path), "exec", code))
    assert out.endswith(b"hi from the host /remote\r\n" + hashlib.sha256(data).hexdigest().encode() + b"\r\n")


def test_soft_reset_clears_globals(sim):
    with Transport(sim) as t:
        t.exec("x = 41")
        assert t.eval("x + 1") == 42
        t.serial.write(b"\x04")  # Ctrl-D on an empty raw REPL line
        assert t.read_until(1, b"raw REPL; CTRL-B to exit\r\n", timeout=10).endswith(
            b"OK\r\nMPY: soft reboot\r\nraw REPL; CTRL-B to exit\r\n")
        with pytest.raises(TransportExecError, match="NameError: name 'x' isn't defined"):
            t.exec("x")


def test_ctrl_c_interrupts_a_loop(sim):
    with Transport(sim) as t:
        t.exec_raw_no_follow("n = 0\nwhile True:\n    n += 1")
        time.sleep(0.2)
        t.serial.write(b"\x03")
        out, err = t.follow(timeout=5)
        assert out == b""
        assert err.endswith(b"KeyboardInterrupt: \r\n"), err
        assert t.eval("n > 0") is True  # the board stayed up, with its state


def test_friendly_repl(sim):
    with serial.Serial(str(sim.port), timeout=5) as s:
        def say(data, until=b">>> "):
            s.write(data)
            got = s.read_until(until)
            assert got.endswith(until), got
            return got

        banner_end = b'Type "help()" for more information.\r\n>>> '
        s.write(b"\x02")  # to the friendly REPL from any mode; then skip all output so far
        say(b"'sync'\r", b"'sync'\r\n'sync'\r\n>>> ")
        assert say(b"6*7\r") == b"6*7\r\n42\r\n>>> "
        say(b"def f(a):\r", b"... ")
        assert say(b"return a + 1\r", b"...     ") == b"    return a + 1\r\n...     "  # auto-indent
        say(b"\r\r\r")
        assert say(b"y = 5; f(y)\r").endswith(b"6\r\n>>> ")
        assert say(b"\x04", banner_end).startswith(b"\r\nMPY: soft reboot\r\nMicroPython v1.")
        assert say(b"y\r").endswith(b"NameError: name 'y' isn't defined\r\n>>> ")
        assert say(b"\x01", b">") == b"\r\nraw REPL; CTRL-B to exit\r\n>"
        assert say(b"\x02", banner_end).startswith(b"\r\nMicroPython v1.")


def test_mpremote_repl_command(sim):
    """`mpremote repl` on a terminal: type a line, see the result, Ctrl-D soft resets, Ctrl-] quits."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([str(MPREMOTE), "connect", str(sim.port), "repl"],
                            stdin=slave, stdout=slave, stderr=slave, close_fds=True)
    os.close(slave)
    seen = b""

    def expect(pattern, timeout=10):
        nonlocal seen
        deadline = time.monotonic() + timeout
        while pattern not in seen:
            ready, _, _ = select.select([master], [], [], max(0, deadline - time.monotonic()))
            assert ready, f"no {pattern!r} in {seen!r}"
            seen += os.read(master, 4096)
        seen = seen[seen.index(pattern) + len(pattern):]

    def wait_for_raw_terminal(timeout=10):
        # mpremote prints its banner before it puts the terminal in raw mode;
        # a key typed in between is cooked (and echoed) by the line discipline.
        deadline = time.monotonic() + timeout
        while termios.tcgetattr(master)[3] & termios.ICANON:
            assert time.monotonic() < deadline, "mpremote never put the terminal in raw mode"
            time.sleep(0.01)

    try:
        expect(b"Use Ctrl-] or Ctrl-x to exit this shell\r\n")
        wait_for_raw_terminal()
        os.write(master, b"\r")  # a board in its friendly REPL says nothing until a key
        expect(b">>> ")
        os.write(master, b"print(6*7)\r")
        expect(b"42\r\n>>> ")
        os.write(master, b"\x04")
        expect(b"MPY: soft reboot\r\n")
        expect(b">>> ")
        os.write(master, b"\x1d")
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)


def test_hard_reset_powers_on_again_and_runs_main(sim):
    (sim.flash_dir / "main.py").write_text("open('/mainlog.txt', 'a').write('main ran\\n')\n")
    try:
        ok(mpremote(sim, "exec", "ghost = 1"))
        ok(mpremote(sim, "reset"))  # machine.reset(), as on a board
        deadline = time.monotonic() + 10
        while not (sim.flash_dir / "mainlog.txt").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert (sim.flash_dir / "mainlog.txt").read_text() == "main ran\n"
        out = ok(mpremote(sim, "resume", "exec", "print('ghost' in globals())"))
        assert out == b"False\r\n"
        assert not any("exited" in line for line in sim.output)  # a reset, not a crash
    finally:
        (sim.flash_dir / "main.py").unlink()


def test_several_connections_in_a_row(sim):
    for i in range(4):
        assert ok(mpremote(sim, "exec", f"print({i})")) == f"{i}\r\n".encode()
        with Transport(sim, soft_reset=False) as t:
            assert t.eval(f"{i} * 2") == i * 2


def test_heap_comes_from_the_board_profile(tmp_path):
    (tmp_path / "tiny.json").write_text(json.dumps({"heap_bytes": 96 * 1024}))
    env = dict(os.environ, MIDGE_BOARDS_DIR=str(tmp_path))
    with SimBoard(board="tiny", env=env) as board:
        assert "heap 96 KiB" in board.banner
        free, emulated = ok(mpremote(board, "exec", "import gc, midge_sim; gc.collect(); "
                                                    "print(gc.mem_free(), midge_sim.board)")).split()
        # user code finds the board's heap: the emulator's own REPL is not taken from it
        assert 0.95 * 96 * 1024 <= int(free) <= 96 * 1024 and emulated == b"tiny"
        proc = mpremote(board, "exec", "b = bytearray(100 * 1024)")
        assert proc.returncode == 1 and b"MemoryError" in proc.stdout


@pytest.mark.parametrize("bits", [32, 64])
def test_the_board_has_the_word_size_asked_for(tmp_path, bits):
    with SimBoard(bits=bits, flash_dir=tmp_path / "flash") as board:
        assert f"{bits}-bit" in board.banner
        code = "import sys; print(sys.maxsize, sys.implementation._mpy >> 10)"
        maxsize, arch = ok(mpremote(board, "exec", code)).split()
        # 32-bit words as on a board (x86 native code, arch 1), or the x64 port (arch 2)
        assert (int(maxsize), int(arch)) == ((2**31 - 1, 1) if bits == 32 else (2**63 - 1, 2))


def test_stop_ends_the_sim_and_removes_its_port(tmp_path):
    board = SimBoard(port=tmp_path / "vb", flash_dir=tmp_path / "flash").start()
    try:
        assert os.readlink(board.port).startswith("/dev/pts/")
        assert int((tmp_path / "vb.pid").read_text()) == board.pid
        proc = subprocess.run([*MIDGE, "sim", "--port", str(board.port), "--stop"],
                              capture_output=True, text=True, timeout=30)
        assert proc.returncode == 0, proc.stderr
        assert "stopped" in proc.stdout
        assert board._proc.wait(timeout=10) == 0
        assert not os.path.lexists(board.port) and not (tmp_path / "vb.pid").exists()
    finally:
        board.stop()


def test_user_errors(tmp_path):
    def midge(*args):
        return subprocess.run([*MIDGE, "sim", *args], capture_output=True, text=True, timeout=30)

    taken = tmp_path / "taken"
    taken.write_text("not a port")
    proc = midge("--port", str(taken), "--dir", str(tmp_path / "flash"))
    assert proc.returncode == 1 and "exists and is not an emulated board's port" in proc.stderr
    assert taken.read_text() == "not a port"
    proc = midge("--port", str(tmp_path / "none"), "--stop")
    assert proc.returncode == 1 and "no emulated board is running" in proc.stderr
    proc = midge("--board", "no-such-board", "--port", str(tmp_path / "vb"))
    assert proc.returncode == 1 and "unknown board 'no-such-board'" in proc.stderr
