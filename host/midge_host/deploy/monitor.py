"""Read the app's JSON lines from a board: ``watch(port, transport, seconds,
root="/", attach=False, on_record=None) -> Summary``.

By default the running program is interrupted and the app restarted from
midge.json in the raw REPL (so the output is all the app's); ``attach=True``
only listens (the app running from main.py after a reset). Non-JSON lines
are kept in ``Summary.other``, control characters shown as ``\\xNN``
(``printable``); an app error raises BoardError.
"""

import json
import time
from dataclasses import dataclass, field

from midge_host.deploy.plan import join
from midge_host.transport import open_board


@dataclass
class Summary:
    records: list = field(default_factory=list)
    other: list = field(default_factory=list)
    ended: bool = False

    def of(self, ev):
        return [r for r in self.records if r.get("ev") == ev]


def printable(text):
    """``text`` with control characters (ESC, NUL, ...) shown as ``\\xNN``, so a
    board printing garbage cannot drive the terminal."""
    return "".join(c if (" " <= c != "\x7f") or c == "\t" else "\\x%02x" % ord(c) for c in text)


def _serial_lines(port, seconds):
    import serial

    with serial.Serial(str(port), 115200, timeout=0.2) as link:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            line = link.readline()
            if line:
                yield line.decode(errors="replace").strip()
            else:
                yield None


def watch(port, transport="mpremote", seconds=10.0, root="/", attach=False, on_record=None):
    out = Summary()

    def take(line):
        if not line:
            return
        line = printable(line)
        if line.startswith("{"):
            try:
                record = json.loads(line)
            except ValueError:
                out.other.append(line)
                return
            out.records.append(record)
            if on_record:
                on_record(record)
        else:
            out.other.append(line)

    if attach:
        for line in _serial_lines(port, seconds):
            take(line)
        return out
    with open_board(port, transport, soft_reset=True) as board:
        board.start(f"import midge.app\nmidge.app.run({join(root, 'midge.json')!r})")
        deadline = time.monotonic() + seconds
        try:
            while time.monotonic() < deadline:
                try:
                    take(board.readline(timeout=min(0.5, max(0.01, deadline - time.monotonic()))))
                except EOFError:
                    out.ended = True
                    break
        finally:
            if not out.ended:
                board.stop()
    return out
