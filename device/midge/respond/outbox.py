"""A bounded queue of messages on flash that survives reboots: the MQTT responder's outbox.

``Outbox(folder, max_bytes)``:

- ``push(payload)``: append one message (1..255 bytes) to flash; False if the write
  failed (counted in ``dropped``).
- ``peek()``: the oldest waiting message, a memoryview into a preallocated buffer
  (valid until the next call), or None when nothing waits.
- ``pop()``: mark that message sent (call it once the broker acknowledged it).
- ``pending``: messages waiting; ``dropped``: messages discarded (full outbox, a
  failed write, a corrupt record).

Files: ``<folder>/<k>.q``, up to SEGMENTS segments of ``max_bytes // SEGMENTS``
bytes, numbered up from the oldest. Records are ``midge.respond.log``'s (0xA5 |
length | payload | CRC-16); ``pop`` overwrites the sent record's first byte with
SENT (one byte in place), and a segment whose records are all sent is removed, so
the folder is empty when nothing waits. ``push`` appends to the newest segment,
begins a new one when it is full and, past SEGMENTS, removes the oldest with its
waiting messages (counted in ``dropped``): the outbox never holds more than
``max_bytes``.

Power cuts: a record is on flash when ``push`` returns; a torn last record fails
its CRC and is skipped when the folder is read at start (the next boot appends to
a new segment after one); a message acknowledged but not yet marked is sent again
(at least once: the receiver drops repeats by their ids). Messages go out in the
order they were pushed, across reboots.
"""

import os

from midge.respond.log import MAGIC, OVERHEAD, frame, intact

SEGMENTS = 4
SENT = 0x00
_SENT = b"\x00"
MIN_BYTES = SEGMENTS * (OVERHEAD + 255)


def _makedirs(folder):
    at = ""
    for part in folder.strip("/").split("/"):
        at += "/" + part if at or folder.startswith("/") else part
        try:
            os.mkdir(at)
        except OSError:
            pass


class Outbox:
    def __init__(self, folder, max_bytes=16384):
        if max_bytes < MIN_BYTES:
            raise ValueError("outbox max_bytes must be at least %d, got %r" % (MIN_BYTES, max_bytes))
        self.folder = folder
        self.segment_bytes = max_bytes // SEGMENTS
        self.pending = 0
        self.dropped = 0
        self._rec = bytearray(OVERHEAD + 255)
        self._view = memoryview(self._rec)
        self._segs = []  # [number, bytes, waiting], oldest first
        self._at = 0  # offset of the oldest waiting record in self._segs[0]
        self._n = -1  # payload length of the record peek() returned, -1: none
        self._open = False  # push may append to self._segs[-1]
        self._load()

    def _name(self, k):
        return "%s/%d.q" % (self.folder, k)

    def _load(self):
        try:
            names = os.listdir(self.folder)
        except OSError:
            _makedirs(self.folder)
            names = []
        numbers = sorted(int(n[:-2]) for n in names if n.endswith(".q") and n[:-2].isdigit())
        clean = False
        for k in numbers:
            first, waiting, size, clean = self._scan(k)
            if waiting == 0:
                os.remove(self._name(k))
                continue
            if not self._segs:
                self._at = first
            self._segs.append([k, size, waiting])
            self.pending += waiting
        self._open = clean and bool(self._segs) and self._segs[-1][0] == numbers[-1]
        while len(self._segs) > SEGMENTS:
            self._drop_oldest()

    def _scan(self, k):
        """(offset of the first waiting record, waiting records, file size, the file
        ends with a whole record) of segment ``k``."""
        rec = self._rec
        view = self._view
        first = -1
        waiting = 0
        at = 0
        with open(self._name(k), "rb") as f:
            size = f.seek(0, 2)
            while at + OVERHEAD <= size:
                f.seek(at)
                f.readinto(view[:2])
                n = rec[1]
                if rec[0] in (MAGIC, SENT) and at + n + OVERHEAD <= size:
                    f.readinto(view[2:n + OVERHEAD])
                    if intact(rec):
                        if rec[0] == MAGIC:
                            waiting += 1
                            if first < 0:
                                first = at
                        at += n + OVERHEAD
                        continue
                at += 1
        return first, waiting, size, at == size

    def _drop_oldest(self):
        k, _, waiting = self._segs.pop(0)
        self.dropped += waiting
        self.pending -= waiting
        os.remove(self._name(k))
        self._at = 0
        self._n = -1
        if not self._segs:
            self._open = False

    def push(self, payload):
        """Append ``payload`` to the outbox on flash; False if it could not be written."""
        size = frame(self._rec, payload)
        if not (self._open and self._segs[-1][1] + size <= self.segment_bytes):
            self._segs.append([self._segs[-1][0] + 1 if self._segs else 0, 0, 0])
            self._open = True
            if len(self._segs) > SEGMENTS:
                self._drop_oldest()
        seg = self._segs[-1]
        try:
            with open(self._name(seg[0]), "ab") as f:
                f.write(self._view[:size])
        except OSError:
            self.dropped += 1
            self._open = False  # a torn record may end this segment: the next push begins another
            if seg[2] == 0:
                self._segs.pop()
            return False
        seg[1] += size
        seg[2] += 1
        self.pending += 1
        return True

    def peek(self):
        """The oldest waiting message (a memoryview, valid until the next call), or None."""
        while self.pending:
            rec = self._rec
            with open(self._name(self._segs[0][0]), "rb") as f:
                f.seek(self._at)
                f.readinto(self._view[:2])
                n = rec[1]
                f.readinto(self._view[2:n + OVERHEAD])
            if rec[0] == MAGIC and intact(rec):
                self._n = n
                return self._view[2:2 + n]
            self._drop_oldest()  # flash corrupted under the segment: its messages cannot be read
        return None

    def pop(self):
        """Mark the message ``peek`` returned as sent."""
        if self._n < 0:
            raise ValueError("Outbox.pop() without a message from peek()")
        seg = self._segs[0]
        with open(self._name(seg[0]), "r+b") as f:
            f.seek(self._at)
            f.write(_SENT)
        self._at += self._n + OVERHEAD
        self._n = -1
        seg[2] -= 1
        self.pending -= 1
        if seg[2] == 0:
            self._segs.pop(0)
            os.remove(self._name(seg[0]))
            self._at = 0
            if not self._segs:
                self._open = False
