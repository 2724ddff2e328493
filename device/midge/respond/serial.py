"""Compact JSON lines on a stream (the USB serial console by default).

    out = JsonLines()
    out.detection("yes", 231, time.ticks_ms())
    # {"t":12345,"ev":"det","label":"yes","score":231}
    out.status(time.ticks_ms(), dropped=0, windows=120)
    # {"t":12346,"ev":"status","dropped":0,"windows":120}

One line per event, keys without spaces, so a host can ``json.loads`` each
line. Writing allocates the line (events are rare next to windows).
"""

import json
import sys


class JsonLines:
    def __init__(self, stream=None):
        self._stream = sys.stdout if stream is None else stream

    def _emit(self, record):
        self._stream.write(json.dumps(record, separators=(",", ":")) + "\n")

    def detection(self, label, score, now_ms):
        self._emit({"t": now_ms, "ev": "det", "label": label, "score": score})

    def status(self, now_ms, **fields):
        record = {"t": now_ms, "ev": "status"}
        record.update(fields)
        self._emit(record)
