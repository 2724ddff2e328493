"""Fetch what a deployed app recorded: ``pull(port, transport, root, dest) -> dict``.

Reads midge.json from the board for the log path (log responder: the file and
its rotated ``.1``) and the clip folder (clip responder), then copies each
file into ``dest`` (DIR/pulled/): resumable and atomic — a file is fetched
into ``name.part`` (continuing from the bytes already there), checked against
the board's sha256, then renamed. Files already pulled with the same hash are
skipped. The log is decoded (``decode_log``) into ``detections.csv``: one row
per record, ``t_s,label,score,boot,seq`` (CSV_HEADER).
"""

import hashlib
import json
from pathlib import Path

from midge.labels import decision_labels
from midge.respond import log
from midge_host.deploy.plan import join
from midge_host.files import write_atomic
from midge_host.transport import open_board

_LIST = """
import os, json
def _h(p):
    import hashlib, binascii
    h = hashlib.sha256(); b = bytearray(1024); m = memoryview(b)
    with open(p, 'rb') as f:
        while True:
            n = f.readinto(b)
            if not n: break
            h.update(m[:n])
    return binascii.hexlify(h.digest()).decode()
for _p in %r:
    try:
        _s = os.stat(_p)[6]
    except OSError:
        continue
    print('file', _s, _h(_p), _p)
for _d in %r:
    try:
        _n = [e[0] for e in os.ilistdir(_d) if e[1] & 0x8000 and not e[0].endswith('.tmp')]
    except OSError:
        continue
    for _f in _n:
        _p = _d + '/' + _f
        print('file', os.stat(_p)[6], _h(_p), _p)
"""


CSV_HEADER = "t_s,label,score,boot,seq"
"""detections.csv's columns: boot and seq are empty for records of an older log without them."""


def decode_log(data):
    """(records as (t, label_index, score, boot, seq), torn_bytes): the valid records in
    order (``midge.respond.log`` owns the format); ``torn_bytes`` counts bytes
    that are not part of a valid record (a torn tail after a power cut, or
    corruption)."""
    payloads = log.parse(data)
    torn = len(data) - sum(len(p) + log.OVERHEAD for p in payloads)
    return [log.unpack_detection(p) for p in payloads if len(p) >= 6], torn


def detections_csv(records, labels):
    """detections.csv's text for ``decode_log``'s records, each label index named by ``labels``."""
    def blank(value):
        return "" if value is None else value
    return CSV_HEADER + "\n" + "".join(
        f"{t},{labels[index] if index < len(labels) else index},{score},{blank(boot)},{blank(seq)}\n"
        for t, index, score, boot, seq in records)


def pull(port, transport="mpremote", root="/", dest="pulled", progress=None):
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    counts = {"fetched": 0, "skipped": 0, "bytes": 0, "records": 0, "torn_bytes": 0, "files": []}
    with open_board(port, transport, soft_reset=True) as board:
        conf = json.loads(board.read_file(join(root, "midge.json")))
        labels = decision_labels(json.loads(board.read_file(conf["meta"])))
        logs, dirs = [], []
        for r in conf.get("responders", []):
            if r.get("kind") == "log":
                logs += [r["path"] + ".1", r["path"]]
            elif r.get("kind") == "clip":
                dirs.append(r["dir"])
        listing = board.exec(_LIST % (logs, dirs), timeout=120)
        for line in listing.splitlines():
            words = line.split(" ", 3)
            if len(words) != 4 or words[0] != "file":
                continue
            size, digest, path = int(words[1]), words[2], words[3]
            local = dest / path.strip("/")
            local.parent.mkdir(parents=True, exist_ok=True)
            counts["files"].append(str(local))
            if local.is_file() and hashlib.sha256(local.read_bytes()).hexdigest() == digest:
                counts["skipped"] += 1
                continue
            part = local.with_name(local.name + ".part")
            have = part.read_bytes() if part.is_file() else b""
            if len(have) > size or hashlib.sha256(have).hexdigest() != digest and len(have) == size:
                have = b""  # the board's file changed (the log rotated): start over
            data = have + board.read_file(path, offset=len(have), progress=progress)
            part.write_bytes(data)
            if hashlib.sha256(data).hexdigest() != digest:
                part.unlink()
                raise OSError(f"{path}: pulled bytes do not match the board's sha256 (it changed meanwhile?)")
            part.replace(local)
            counts["fetched"] += 1
            counts["bytes"] += len(data)
    rows = []
    for log_path in logs:
        local = dest / log_path.strip("/")
        if local.is_file():
            records, torn = decode_log(local.read_bytes())
            counts["records"] += len(records)
            counts["torn_bytes"] += torn
            rows += records
    if logs:
        csv = dest / "detections.csv"
        write_atomic(csv, detections_csv(rows, labels))
        counts["csv"] = str(csv)
    return counts
