"""Detection logs fetched by `midge pull` into the hub's tables: ``import_pulled(store, source, device)``.

``source`` is DIR/pulled (or its ``detections.csv``), as `midge pull` writes it:
``t_s,label,score`` per record, oldest first (``midge.respond.log`` records hold
seconds of stream time, a decision index and a score; pull names the label).

How records map to (device, boot, seq): a log record carries no boot counter and no
sequence number, so pulled records cannot be matched with the same detections
received over MQTT. They are stored with ``boot`` -1 (``store.PULLED_BOOT``),
``source`` "pull" and ``seq`` = their position in the device's pulled history, and
the hub must be told the device (``device``: a pull has no device id).

Without duplicates: the log on a board only grows at its end and loses its oldest
records when it rotates, so a later pull is (the tail of what was imported) + (new
records). The import finds the longest overlap between the end of the device's
pulled history and the start of the new pull and appends the rest; a pull whose
records all lie inside the history (imported already, or older) adds nothing.
Limits: records are compared by (t, label, score); a pull taken after the log
rotated twice since the last import shares no records with it and is appended whole
(correctly: those records are new), and identical runs of records at the junction
could make the overlap look longer than it is. ``t_ms`` is the record's stream time
(t_s * 1000); the time of a pulled record is unknown, so ``event_at`` is the time of
the import.

Returns ``{"read", "added", "already"}``; MidgeError for a missing or malformed CSV.
"""

import csv
from pathlib import Path

from midge_host.errors import MidgeError
from midge_host.hub import clock
from midge_host.hub.store import PULLED_BOOT

HEADER = ["t_s", "label", "score"]


def read_csv(source):
    """The records of a pulled detections.csv as (t_ms, label, score)."""
    path = Path(source)
    if path.is_dir():
        path = path / "detections.csv"
    if not path.is_file():
        raise MidgeError(f"{path} not found", hint="fetch the log first: midge pull DIR --port PORT")
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    if not rows or rows[0] != HEADER:
        raise MidgeError(f"{path} does not start with the header {','.join(HEADER)}: not a `midge pull` CSV")
    out = []
    for number, row in enumerate(rows[1:], 2):
        try:
            t_s, label, score = row
            out.append((int(t_s) * 1000, label, int(score)))
        except ValueError:
            raise MidgeError(f"{path}:{number}: expected t_s,label,score, got {row!r}") from None
    return out


def _overlap(history, new):
    """How many of ``new``'s first records are already at the end of ``history``
    (``len(new)`` when all of ``new`` lies inside ``history``)."""
    if not new:
        return 0
    lines = "".join(f"\n{r[0]},{r[1]},{r[2]}" for r in history) + "\n"
    if "".join(f"\n{r[0]},{r[1]},{r[2]}" for r in new) + "\n" in lines:
        return len(new)
    for m in range(min(len(history), len(new)), 0, -1):
        if history[-m:] == new[:m]:
            return m
    return 0


def import_pulled(store, source, device):
    records = read_csv(source)
    now = clock.now()
    with store.db.transaction():
        history = [tuple(row) for row in store.pulled(device)]
        skip = _overlap(history, records)
        seq = store.next_pulled_seq(device)
        for t_ms, label, score in records[skip:]:
            store.detection({"device": device, "boot": PULLED_BOOT, "seq": seq, "label": label, "score": score,
                             "t_ms": t_ms}, now, source="pull")
            seq += 1
    return {"read": len(records), "added": len(records) - skip, "already": skip}
