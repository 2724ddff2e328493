"""The board side of midge's emulated board. MicroPython code: it runs inside
the MicroPython unix port, never under CPython.

The bridge (``midge_host.sim.bridge``) compiles it with ``mpy-cross -s
<midge-sim>`` (an .mpy loads in a small heap; the source would need ~100 KiB
to compile) and starts it as::

    micropython -X heapsize=N -c "import sys;sys.path[:]=[DIR];import board_repl;
                                  board_repl.main(FLASH, CHAN, ACK, MACHINE, BOARD, HEAP)"

and wires the child's stdin and stdout to the serial port. ``main`` then
behaves as a board's firmware after reset: it mounts FLASH at ``/`` (with
``/lib`` on ``sys.path``), runs ``boot.py`` and, in the friendly REPL,
``main.py``, and serves the friendly REPL, the raw REPL and raw-paste mode
byte for byte as ``shared/runtime/pyexec.c`` does.

Contract with the bridge:

- stdin carries the host's bytes. They are read one at a time and never
  ahead, so user code (and mpremote's ``mount`` protocol) reading
  ``sys.stdin.buffer`` gets exactly the bytes that follow.
- stdout carries the board's bytes, raw. Text output (``print``,
  ``sys.stdout.write``, tracebacks, REPL echo) is cooked here, ``\\n`` to
  ``\\r\\n`` as a board's console does; ``sys.stdout.buffer`` stays binary.
- CHAN (a writable path) gets state markers, each written before any stdout
  byte the host could answer: ``P`` powered on (first, once); ``R`` user
  code runs with Ctrl-C enabled (the bridge turns a 0x03 from the host into
  SIGINT, the unix port raises KeyboardInterrupt); ``K<c>`` user code called
  ``micropython.kbd_intr(c)``; ``k`` it disabled the interrupt character;
  ``I`` user code ended; the board then waits for one byte on ACK, after
  which the bridge sends no more SIGINT; ``X`` ``machine.reset()``: the
  process exits and the bridge powers the board on again.
- stderr is passed through to the port.

User code can ``import midge_sim`` (``board``: the profile emulated,
``heap_bytes``), which no real board has: `midge deploy` asks it what it talks
to. User code sees proxies as ``sys`` (cooked ``stdout``/``stderr``),
``micropython`` (``kbd_intr`` reported to the bridge: the real one would
make SIGINT kill the process) and ``machine`` (``reset``); in this module
those names are the real modules.
"""

import __main__
import builtins
import gc
import io
import os
import sys
import vfs

import machine
import micropython

_FRIENDLY = 0
_RAW = 1
_SOFT_RESET = 2
_FORCED_EXIT = 1  # what _exec returns when the code asked for a soft reset
_WINDOW = 128  # raw-paste flow-control window, as boards with a 256-byte stdin buffer
_RAW_BANNER = b"raw REPL; CTRL-B to exit\r\n"
_OWN_FRAME = '  File "<midge-sim>"'  # traceback lines of this module (its .mpy source name)
_COMPOUND = (b"if", b"while", b"for", b"try", b"with", b"def", b"class", b"async")
_SPIN = (0, 1)
_INDENT_ON = 1
_INDENT_JUST_ADDED = 2
_ESC_KEYS = {65: "up", 66: "down", 67: "right", 68: "left", 72: "home", 70: "end"}
_TILDE_KEYS = {49: "home", 55: "home", 52: "end", 56: "end", 51: "delete"}

_write = sys.stdout.buffer.write
_readinto = sys.stdin.buffer.readinto
_in1 = bytearray(1)
_out1 = bytearray(1)
_ack1 = bytearray(1)
_hostfs = vfs.VfsPosix()
_real_print = builtins.print
_ns = __main__.__dict__  # user code runs in __main__'s globals, as on a board
_chan = None
_ack = None
_flash_root = ""
_banner = b""
_history = []
_indent = 0  # _INDENT_* flags of the line being edited


class _PowerOff(BaseException):
    """The board is switched off: the bridge closed stdin or the ACK pipe, or
    machine.reset() asked for a power cycle."""


def _getc():
    if not _readinto(_in1):
        raise _PowerOff()
    return _in1[0]


def _putc(c):
    _out1[0] = c
    _write(_out1)


def _write_text(s):
    """Write text to the port cooked: every \\n becomes \\r\\n."""
    if isinstance(s, str):
        s = s.encode()
    elif not isinstance(s, bytes):
        s = bytes(s)
    if b"\n" in s:
        s = s.replace(b"\n", b"\r\n")
    _write(s)


class _Console(io.IOBase):
    """The board's sys.stdout and sys.stderr: text is cooked, .buffer is raw."""

    buffer = sys.stdout.buffer

    def write(self, buf):
        _write_text(buf)
        return len(buf)

    def flush(self):
        pass


_console = _Console()


def _print(*args, sep=" ", end="\n", file=None):
    if file is None:
        file = _console
    _real_print(*args, sep=sep, end=end, file=file)


def _repl_print(obj):
    if obj is not None:
        _write_text(repr(obj))
        _write(b"\r\n")
        builtins._ = obj


def _print_exception(exc, file=None):
    if file is None or file is _console:
        _write_traceback(exc)
    else:
        sys.print_exception(exc, file)


def _write_traceback(exc):
    """Print a traceback as a board does: cooked, without this module's frames."""
    gc.collect()
    try:
        text = io.StringIO()
        sys.print_exception(exc, text)
        lines = [ln for ln in text.getvalue().split("\n") if not ln.startswith(_OWN_FRAME)]
        _write_text("\n".join(lines))
    except MemoryError:
        sys.print_exception(exc)


def _kbd_intr(c):
    c = int(c)
    _chan.write(b"k" if c < 0 else bytes((75, c & 0xFF)))


class _Proxy:
    """A module seen by user code: ``overrides`` first, then the real module."""

    def __init__(self, module, overrides):
        self._module = module
        for name in overrides:
            setattr(self, name, overrides[name])

    def __getattr__(self, name):
        return getattr(self._module, name)


def _machine_reset():
    _chan.write(b"X")
    raise _PowerOff()


_sys_proxy = _Proxy(
    sys, {"stdout": _console, "stderr": _console, "print_exception": _print_exception}
)
_micropython_proxy = _Proxy(micropython, {"kbd_intr": _kbd_intr})
_machine_proxy = _Proxy(machine, {"reset": _machine_reset})


class _SimInfo:
    """``import midge_sim`` on the emulated board: ``board`` (the profile it
    emulates) and ``heap_bytes``; a real board has no such module."""

    board = None
    heap_bytes = 0


_sim_info = _SimInfo()


class _Flash:
    """The root filesystem: a VfsPosix on the flash folder. Wrapped, not
    subclassed (a VfsPosix subclass breaks imports from /lib); rename goes
    through an unrooted VfsPosix (a rooted one's rename fails)."""

    def __init__(self, root):
        self._vfs = vfs.VfsPosix(root)
        self._root = root

    def _host_path(self, path):
        if not path.startswith("/"):
            cwd = self._vfs.getcwd()
            path = cwd + ("" if cwd.endswith("/") else "/") + path
        return self._root + path

    def mount(self, readonly, mkfs):
        self._vfs.mount(readonly, mkfs)

    def umount(self):
        self._vfs.umount()

    def open(self, path, mode):
        return self._vfs.open(path, mode)

    def ilistdir(self, path):
        """(name, type, inode, size) per entry, as a board's VFS gives them (the
        unix port's VfsPosix leaves the size out; `mpremote fs ls` shows it)."""
        base = path if path.endswith("/") else path + "/"
        for entry in self._vfs.ilistdir(path):
            size = self._vfs.stat(base + entry[0])[6] if entry[1] == 0x8000 else 0
            yield (entry[0], entry[1], entry[2], size)

    def stat(self, path):
        return self._vfs.stat(path)

    def statvfs(self, path):
        return self._vfs.statvfs(path)

    def mkdir(self, path):
        self._vfs.mkdir(path)

    def rmdir(self, path):
        self._vfs.rmdir(path)

    def remove(self, path):
        self._vfs.remove(path)

    def rename(self, old, new):
        _hostfs.rename(self._host_path(old), self._host_path(new))

    def chdir(self, path):
        self._vfs.chdir(path)

    def getcwd(self):
        return self._vfs.getcwd()


def _heap_unlock():
    micropython.heap_lock()
    while micropython.heap_unlock():
        pass


def _reset_vm():
    """What a soft reset clears: mounts, cwd, sys.path, modules, user globals."""
    mounts = [m[1] for m in vfs.mount()]
    mounts.sort(key=len, reverse=True)
    for path in mounts:
        vfs.umount(path)
    vfs.mount(_Flash(_flash_root), "/")
    os.chdir("/")
    sys.path[:] = ["", ".frozen", "/lib"]
    for name in list(sys.modules):
        del sys.modules[name]
    sys.modules["sys"] = _sys_proxy
    sys.modules["micropython"] = _micropython_proxy
    sys.modules["machine"] = _machine_proxy
    sys.modules["midge_sim"] = _sim_info
    _ns.clear()
    _ns["__name__"] = "__main__"
    builtins.print = _print
    builtins.__repl_print__ = _repl_print
    _heap_unlock()
    gc.collect()


def _go_idle():
    """Tell the bridge user code has ended; return once it will send no more
    SIGINT. A Ctrl-C that arrives meanwhile is dropped, as a board drops one
    that comes after the code has finished."""
    sent = False
    got = False
    while True:
        try:
            if not sent:
                _chan.write(b"I")
                sent = True
            if not got:
                if not _ack.readinto(_ack1):
                    raise _PowerOff()
                got = True
            for _ in _SPIN:  # a jump: a SIGINT sent before the ack is raised here
                pass
            return
        except KeyboardInterrupt:
            pass


def _run_user(source, mode, filename, reply):
    """Compile and run user code with Ctrl-C enabled, first writing ``reply``
    (the host may interrupt as soon as it reads it). ``source`` is a one-item
    list, emptied so the text is garbage before the code runs, as a board
    compiles without keeping it. Return the exception raised, or None."""
    exc = None
    phase = 0
    while True:
        try:
            if phase == 0:
                phase = 1
                _chan.write(b"R")
                if reply:
                    _write(reply)
                code = compile(source.pop(), filename, mode)
                exec(code, _ns)
            phase = 2
            _go_idle()
            return exc
        except _PowerOff:
            raise
        except BaseException as e:  # noqa: B036 (user code may raise anything)
            if phase == 1:
                exc = e
                phase = 2
            elif not isinstance(e, KeyboardInterrupt):  # a late Ctrl-C is dropped
                raise


def _exec(source, mode, filename, eof, reply=None):
    """pyexec's parse_compile_execute: run, then report as boards do. With
    ``eof``, output is framed for the raw REPL: stdout, 0x04, error, 0x04.
    Return _FORCED_EXIT when the code raised SystemExit (soft reset)."""
    exc = _run_user(source, mode, filename, reply)
    _heap_unlock()
    if eof:
        _write(b"\x04")
    ret = 0
    if isinstance(exc, SystemExit):
        ret = _FORCED_EXIT
    elif exc is not None:
        _write_traceback(exc)
    if eof:
        _write(b"\x04")
    return ret


def _run_file(name):
    try:
        is_file = os.stat(name)[0] & 0x8000
    except OSError:
        return 0
    if not is_file:
        return 0
    with open(name) as f:
        source = [f.read()]
    return _exec(source, "exec", name, False)


# --- raw REPL -------------------------------------------------------------


def _raw_paste(command):
    if command != 65:  # 'A'
        _write(b"R\x00")
        return 0
    _write(b"R\x01" + bytes((_WINDOW & 0xFF, _WINDOW >> 8, 1)))
    buf = bytearray()
    remain = _WINDOW
    while True:
        c = _getc()
        if c == 4:
            break
        if c == 3:
            _write(b"\x04\x04KeyboardInterrupt: \r\n\x04")
            return 0
        buf.append(c)
        remain -= 1
        if not remain:
            _write(b"\x01")
            remain = _WINDOW
    source = [bytes(buf)]
    buf = None
    return _exec(source, "exec", "<stdin>", True, b"\x04")


def _raw_repl():
    _write(_RAW_BANNER + b">")
    line = bytearray()
    while True:
        c = _getc()
        if c == 1:
            if len(line) == 2 and line[0] == 5:
                command = line[1]
                line = bytearray()
                if _raw_paste(command) & _FORCED_EXIT:
                    return _SOFT_RESET
                _write(b">")
            else:
                line = bytearray()
                _write(_RAW_BANNER + b">")
        elif c == 2:
            _write(b"\r\n")
            return _FRIENDLY
        elif c == 3:
            line = bytearray()
        elif c == 4:
            if not line:
                _write(b"OK\r\n")
                return _SOFT_RESET
            source = [bytes(line)]
            line = bytearray()
            if _exec(source, "exec", "<stdin>", True, b"OK") & _FORCED_EXIT:
                return _SOFT_RESET
            _write(b">")
        else:
            line.append(c)


# --- friendly REPL --------------------------------------------------------


def _cursor_back(n):
    if n <= 4:
        _write(b"\b\b\b\b"[:n])
    else:
        _write(("\x1b[%uD" % n).encode())


def _is_ident(c):
    return c == 95 or 48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122 or c >= 128


def _auto_indent(line):
    """readline_auto_indent: indent a continuation line like the one above it
    (one level more after a ':'); return how many spaces were added."""
    global _indent
    end = len(line)
    if not _indent & _INDENT_ON or end < 2 or line[end - 1] != 10:
        return 0
    i = end - 1
    while i > 0 and line[i - 1] != 10:
        i -= 1
    j = i
    while j < end and line[j] == 32:
        j += 1
    if i > 0 and j + 1 == end:  # the line above is all spaces
        k = i - 1
        while k > 0:
            if line[k - 1] == 10:
                return 0  # two blank lines: stop indenting
            if line[k - 1] != 32:
                break
            k -= 1
    n = (j - i) // 4
    if line[end - 2] == 58:  # ':'
        n += 1
    if n:
        line.extend(b"    " * n)
        _write(b"    " * n)
        _indent |= _INDENT_JUST_ADDED
    return 4 * n


def _complete(text):
    """py/repl.c mp_repl_autocomplete on the text before the cursor: the bytes
    to insert, or None after listing several matches."""
    i = len(text)
    while i and (text[i - 1] == 46 or _is_ident(text[i - 1])):
        i -= 1
    words = bytes(text[i:]).decode().split(".")
    prefix = words.pop()
    obj = None
    try:
        for k, word in enumerate(words):
            if k:
                obj = getattr(obj, word)
            else:
                obj = _ns[word] if word in _ns else getattr(builtins, word)
    except Exception:  # noqa: BLE001 (any failed lookup means no completion)
        return b""
    names = dir(obj) if words else list(_ns) + dir(builtins)
    found = sorted({n for n in names if n.startswith(prefix) and (prefix or n[0] != "_")})
    if not found:
        word_only = i == 0 and not words
        return b"import "[len(prefix):] if word_only and "import ".startswith(prefix) else b""
    common = found[0]
    for name in found:
        while not name.startswith(common):
            common = common[:-1]
    if len(found) == 1 or len(common) > len(prefix):
        return common[len(prefix):].encode()
    out = ""
    width = 64
    for name in found:
        gap = (width + 15) // 16 * 16 - width
        gap += 16 if gap < 2 else 0
        if width + gap + len(name) <= 64:
            out += " " * gap + name
            width += gap + len(name)
        else:
            out += "\n" + name
            width = len(name)
    _write_text(out + "\n")
    return None


def _read_key():
    """Read one key: a byte, or the name of an escape-sequence key ("" if unknown)."""
    c = _getc()
    if c != 27:
        return c
    c = _getc()
    if c not in (91, 79):  # '[' or 'O'
        return ""
    c = _getc()
    if 48 <= c <= 57:
        return _TILDE_KEYS.get(c, "") if _getc() == 126 else ""
    return _ESC_KEYS.get(c, "")


def _readline(line, prompt):
    """shared/readline: edit one line appended to ``line``, echoing and
    redrawing as a board does. Return 0 on Enter, or the control character
    1-5 typed on an empty line (3, Ctrl-C, also on a non-empty one)."""
    global _indent
    _write(prompt)
    start = len(line)
    if not start:
        _indent = _INDENT_ON
    cur = start + _auto_indent(line)
    hist = -1
    while True:
        key = _read_key()
        old_len = len(line)
        back = fwd = 0
        redraw = False
        if key in (1, 2, 3, 4, 5) and old_len == start:
            return key
        if key == 3:
            return 3
        if key == 13:
            _write(b"\r\n")
            entry = bytes(line[start:])
            if entry and (not _history or _history[0] != entry):
                _history.insert(0, entry)
                del _history[8:]
            return 0
        if key in (8, 127):  # backspace: four at once over pure indentation
            if cur > start:
                n = 4 if cur - start >= 4 and line[start:cur] == b" " * (cur - start) else 1
                line[cur - n:cur] = b""
                back = n
                redraw = True
        elif _indent & _INDENT_JUST_ADDED and key in (9, 32):
            _indent = 0  # typing over the auto-indent (e.g. pasting): stop indenting
            if key == 32:
                line[old_len - 3:] = b""
                back = 3
        elif key == 9:
            insert = b"    " if cur and line[cur - 1] in (32, 9, 10) else _complete(line[start:cur])
            if insert is None:
                _write(prompt + bytes(line[start:cur]))
                redraw = True
            elif insert:
                line[cur:cur] = insert
                redraw = True
                fwd = len(insert)
        elif isinstance(key, int) and 32 <= key <= 126:
            _out1[0] = key
            line[cur:cur] = _out1
            redraw = True
            fwd = 1
        elif key in (1, "home"):
            back = cur - start
        elif key in (5, "end"):
            fwd = old_len - cur
        elif key in (2, "left"):
            back = 1 if cur > start else 0
        elif key in (6, "right"):
            fwd = 1 if cur < old_len else 0
        elif key in (4, "delete"):
            if cur < old_len:
                line[cur:cur + 1] = b""
                redraw = True
        elif key == 11:  # Ctrl-K: kill to end of line
            line[cur:] = b""
            redraw = True
        elif key == 21:  # Ctrl-U: kill to start of line
            line[start:cur] = b""
            back = cur - start
            redraw = True
        elif key in (16, "up", 14, "down"):
            new = hist + 1 if key in (16, "up") else hist - 1
            if -1 <= new < len(_history) and new != hist:
                hist = new
                line[start:] = _history[hist] if hist >= 0 else b""
                back = cur - start
                redraw = True
                fwd = len(line) - start
        if back:
            _cursor_back(back)
            cur -= back
        if redraw:
            if len(line) < old_len:
                _write(b"\x1b[K")
            _write(bytes(line[cur:]))
            _cursor_back(len(line) - cur - fwd)
            cur += fwd
        elif fwd:
            _write(bytes(line[cur:cur + fwd]))
            cur += fwd
        _indent &= ~_INDENT_JUST_ADDED


def _starts_with_word(s, word):
    n = len(word)
    return s[:n] == word and (len(s) == n or not _is_ident(s[n]))


def _continue_with_input(s):
    """py/repl.c mp_repl_continue_with_input: does the input need more lines?"""
    if not s:
        return False
    compound = s[0] == 64
    for word in _COMPOUND:
        compound = compound or _starts_with_word(s, word)
    paren = 0
    quote = 0  # 0 none, 1 ', 2 ", 3 ''', 4 """
    i = 0
    n = len(s)
    while i < n:
        c = s[i]
        if c == 39:
            if quote in (0, 3) and s[i + 1:i + 3] == b"''":
                i += 2
                quote = 3 - quote
            elif quote in (0, 1):
                quote = 1 - quote
        elif c == 34:
            if quote in (0, 4) and s[i + 1:i + 3] == b'""':
                i += 2
                quote = 4 - quote
            elif quote in (0, 2):
                quote = 2 - quote
        elif c == 92 and i + 1 < n and s[i + 1] in (39, 34, 92):
            if quote:
                i += 1
        elif not quote:
            if c in (40, 91, 123):
                paren += 1
            elif c in (41, 93, 125):
                paren -= 1
        i += 1
    if quote >= 3:
        return True
    if paren > 0 and not quote:
        return True
    if s[-1] == 92:
        return True
    return compound and s[-1] != 10


def _paste_mode():
    """Ctrl-E: echo until Ctrl-D and return the text, or None on Ctrl-C."""
    _write(b"\r\npaste mode; Ctrl-C to cancel, Ctrl-D to finish\r\n=== ")
    buf = bytearray()
    while True:
        c = _getc()
        if c == 3:
            _write(b"\r\n")
            return None
        if c == 4:
            _write(b"\r\n")
            return bytes(buf)
        buf.append(c)
        if c == 13:
            _write(b"\r\n=== ")
        else:
            _putc(c)


def _friendly_repl():
    _write(_banner)
    while True:
        _heap_unlock()
        line = bytearray()
        ret = _readline(line, b">>> ")
        mode = "single"
        if ret == 1:
            _write(b"\r\n")
            return _RAW
        if ret == 2:
            _write(b"\r\n" + _banner)
            continue
        if ret == 3:
            _write(b"\r\n")
            continue
        if ret == 4:
            _write(b"\r\n")
            return _SOFT_RESET
        if ret == 5:
            line = _paste_mode()
            if line is None:
                continue
            mode = "exec"
        elif not line:
            continue
        else:
            while _continue_with_input(line):
                line.append(10)
                ret = _readline(line, b"... ")
                if ret == 3:
                    _write(b"\r\n")
                    line = None
                    break
                if ret == 4:
                    break
            if line is None:
                continue
        if _exec([bytes(line)], mode, "<stdin>", False) & _FORCED_EXIT:
            return _SOFT_RESET


# --- power on -------------------------------------------------------------


def main(flash_root, chan_path, ack_path, machine, board, heap):
    """Run the board until the bridge closes its stdin."""
    global _chan, _ack, _flash_root, _banner
    _sim_info.board = board
    _sim_info.heap_bytes = heap
    _chan = _hostfs.open(chan_path, "ab")
    _ack = _hostfs.open(ack_path, "rb")
    _chan.write(b"P")
    _flash_root = flash_root.rstrip("/")
    version = "v%d.%d.%d" % sys.implementation.version[:3]
    if len(sys.implementation.version) > 3 and sys.implementation.version[3]:
        version += "-" + sys.implementation.version[3]
    built = sys.version.split(" on ")[-1]
    _banner = ('MicroPython %s on %s; %s\r\nType "help()" for more information.\r\n'
               % (version, built, machine)).encode()
    sys.argv[:] = []
    mode = _FRIENDLY
    first = True
    try:
        while True:
            if not first:
                _write(b"MPY: soft reboot\r\n")
            first = False
            _reset_vm()
            if _run_file("boot.py") & _FORCED_EXIT:
                continue
            if mode == _FRIENDLY and _run_file("main.py") & _FORCED_EXIT:
                continue
            while True:
                ret = _raw_repl() if mode == _RAW else _friendly_repl()
                if ret == _SOFT_RESET:
                    break
                mode = ret
    except _PowerOff:
        pass
