"""Detection logs fetched by `midge pull` into the hub's tables: ``import_pulled(store, source, device)``.

``source`` is DIR/pulled (or its ``detections.csv``), as `midge pull` writes it:
``t_s,label,score,boot,seq`` per record, oldest first (``midge.respond.log``
records hold seconds of stream time, a decision index, a score and the
detection's (boot, seq); pull names the label). The hub must be told the device
(``device``: a pull has no device id; give the name the board uses in MQTT).

A record with boot and seq is the detection (device, boot, seq): the same row as
that detection received over MQTT, so a detection both logged and published is
stored once, whichever arrives first, and importing a pull again adds nothing.
``source`` is "pull" when the pull brought it first; ``t_ms`` is the record's
stream time in whole seconds (t_s * 1000), and its ``event_at`` the time of the
import (a log record holds no UTC time).

Records of a log written before midge recorded boot and seq (empty columns, or a
CSV of ``t_s,label,score``) cannot be matched with MQTT's: they are stored with
``boot`` -1 (``store.PULLED_BOOT``) and ``seq`` = their position in the device's
pulled history. The log on a board only grows at its end and loses its oldest
records when it rotates, so a later pull is (the tail of what was imported) + (new
records): the import finds the longest overlap between the end of that history
and the start of the new pull and appends the rest (records compared by (t, label,
score); identical runs at the junction could make the overlap look longer than it
is).

Returns ``{"read", "added", "already"}``; MidgeError for a missing or malformed CSV.
"""

import csv
from pathlib import Path

from midge_host.deploy.pull import CSV_HEADER
from midge_host.errors import MidgeError
from midge_host.hub import clock
from midge_host.hub.store import PULLED_BOOT

HEADERS = (CSV_HEADER.split(","), CSV_HEADER.split(",")[:3])  # (older pulls lack boot and seq)


def _count(text):
    value = int(text)
    if value < 0:
        raise ValueError(text)
    return value


def read_csv(source):
    """The records of a pulled detections.csv as (t_ms, label, score, boot, seq), boot and seq None
    for a record without them."""
    path = Path(source)
    if path.is_dir():
        path = path / "detections.csv"
    if not path.is_file():
        raise MidgeError(f"{path} not found", hint="fetch the log first: midge pull DIR --port PORT")
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    if not rows or rows[0] not in HEADERS:
        raise MidgeError(f"{path} does not start with the header {CSV_HEADER}: not a `midge pull` CSV")
    header = ",".join(rows[0])
    out = []
    for number, row in enumerate(rows[1:], 2):
        try:
            if len(row) != len(rows[0]):
                raise ValueError(row)
            t_s, label, score, boot, seq = row + ["", ""] * (len(row) == 3)
            numbered = (_count(boot), _count(seq)) if boot or seq else (None, None)
            out.append((int(t_s) * 1000, label, int(score)) + numbered)
        except ValueError:
            raise MidgeError(f"{path}:{number}: expected {header}, got {row!r}") from None
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
    numbered = [r for r in records if r[3] is not None]
    unnumbered = [r[:3] for r in records if r[3] is None]
    now = clock.now()
    added = 0
    with store.db.transaction():
        for t_ms, label, score, boot, seq in numbered:
            added += store.detection({"device": device, "boot": boot, "seq": seq, "label": label, "score": score,
                                      "t_ms": t_ms}, now, source="pull")
        history = [tuple(row) for row in store.pulled(device)]
        skip = _overlap(history, unnumbered)
        seq = store.next_pulled_seq(device)
        for t_ms, label, score in unnumbered[skip:]:
            store.detection({"device": device, "boot": PULLED_BOOT, "seq": seq, "label": label, "score": score,
                             "t_ms": t_ms}, now, source="pull")
            seq += 1
        added += len(unnumbered) - skip
    return {"read": len(records), "added": added, "already": len(records) - added}
