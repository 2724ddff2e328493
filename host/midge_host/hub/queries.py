"""The hub's reads, shared by the HTTP API and the export. Filters are optional;
``since`` and ``until`` are times in ``midge_host.hub.clock``'s format (``since``
included, ``until`` excluded) compared with a detection's ``event_at`` (the board's
time, else the hub's) and an uplink's ``received_at``.

- ``devices(db) -> list of dict``: every device with its last message, newest health
  (``health``: the message as the board sent it) and number of detections;
- ``detections(db, device, label, since, until, source, limit) -> list of dict``:
  newest first;
- ``counts(db, bucket, device, label, since, until) -> list of dict``: detections
  plus LoRaWAN uplink counts per (``bucket``: "hour" or "day" start, device, label);
- ``DETECTION_COLUMNS`` and ``all_detections(db, device, label, since, until, source)``:
  every detection (that passes the filters) in key order.
"""

import json

DETECTION_COLUMNS = ("device", "boot", "seq", "label", "score", "t_ms", "board_time", "received_at", "event_at",
                     "x", "y", "objects", "source")
BUCKETS = {"hour": (13, ":00:00Z"), "day": (10, "T00:00:00Z")}


def _where(filters):
    """(" WHERE a = ? AND ...", params) for the filters whose value is not None."""
    clauses, params = [], []
    for clause, value in filters:
        if value is not None:
            clauses.append(clause)
            params.append(value)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def devices(db):
    rows = db.query(
        "SELECT d.device, d.kind, d.first_seen, d.last_seen, d.boot, d.battery_mv, d.health_at, d.health, "
        "(SELECT COUNT(*) FROM detections x WHERE x.device = d.device) FROM devices d ORDER BY d.device")
    keys = ("device", "kind", "first_seen", "last_seen", "boot", "battery_mv", "health_at", "health", "detections")
    out = [dict(zip(keys, row)) for row in rows]
    for device in out:
        device["health"] = json.loads(device["health"]) if device["health"] else None
    return out


def _detection_where(device, label, since, until, source):
    return _where((("device = ?", device), ("label = ?", label), ("event_at >= ?", since), ("event_at < ?", until),
                   ("source = ?", source)))


def detections(db, device=None, label=None, since=None, until=None, source=None, limit=1000):
    where, params = _detection_where(device, label, since, until, source)
    rows = db.query(f"SELECT {', '.join(DETECTION_COLUMNS)} FROM detections{where} "
                    "ORDER BY event_at DESC, device, boot DESC, seq DESC LIMIT ?", params + [limit])
    return [dict(zip(DETECTION_COLUMNS, row)) for row in rows]


def counts(db, bucket="hour", device=None, label=None, since=None, until=None):
    length, tail = BUCKETS[bucket]
    det_where, det_params = _where((("device = ?", device), ("label = ?", label), ("event_at >= ?", since),
                                    ("event_at < ?", until)))
    up_where, up_params = _where((("c.device = ?", device), ("c.label = ?", label), ("u.received_at >= ?", since),
                                  ("u.received_at < ?", until)))
    rows = db.query(
        f"SELECT substr(event_at, 1, {length}) || '{tail}', device, label, COUNT(*) FROM detections{det_where} "
        "GROUP BY 1, 2, 3 UNION ALL "
        f"SELECT substr(u.received_at, 1, {length}) || '{tail}', c.device, c.label, SUM(c.total) "
        "FROM uplink_counts c JOIN uplinks u ON u.device = c.device AND u.session = c.session AND u.f_cnt = c.f_cnt"
        f"{up_where} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3", det_params + up_params)
    return [{"bucket": b, "device": d, "label": lab, "count": int(n)} for b, d, lab, n in rows]


def all_detections(db, device=None, label=None, since=None, until=None, source=None):
    where, params = _detection_where(device, label, since, until, source)
    return db.query(f"SELECT {', '.join(DETECTION_COLUMNS)} FROM detections{where} ORDER BY device, boot, seq", params)
