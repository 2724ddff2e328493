"""The hub's writes, each in one transaction and idempotent: a message delivered twice
changes nothing the second time (``INSERT ... ON CONFLICT DO NOTHING`` on the
tables' keys, ``midge_host.hub.schema``).

``Store(db)``:

- ``detection(doc, received_at, source="mqtt") -> bool``: a det message as
  ``midge.fleet.parse`` returns it (or a pulled record shaped like one); True if new;
- ``health(doc, received_at) -> bool``: a health message; also updates the
  device's newest health (by boot, then t_ms) when it is newer;
- ``uplink(up, width, counts) -> bool``: a LoRaWAN uplink (``midge_host.hub.tts.Uplink``)
  with its decoded count per label ({label: (count, saturated)});
- ``quarantine(topic, payload, error, received_at)``: a message that did not parse;
- ``pulled(device) -> list of (t_ms, label, score)``: the device's records imported
  from flash logs, in order; ``next_pulled_seq(device)``.
"""

import json

PULLED_BOOT = -1  # the boot of records from a pulled flash log, which carries no boot counter

HEALTH_FIELDS = ("battery_mv", "heap_free", "windows", "dropped", "outbox", "outbox_dropped")


class Store:
    def __init__(self, db):
        self.db = db

    def _seen(self, device, kind, at):
        self.db.execute(
            "INSERT INTO devices (device, kind, first_seen, last_seen) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (device) DO UPDATE SET last_seen = CASE WHEN excluded.last_seen > devices.last_seen "
            "THEN excluded.last_seen ELSE devices.last_seen END", (device, kind, at, at))

    def detection(self, doc, received_at, source="mqtt"):
        with self.db.transaction():
            self._seen(doc["device"], "midge", received_at)
            return self.db.execute(
                "INSERT INTO detections (device, boot, seq, label, score, t_ms, board_time, received_at, event_at, "
                "x, y, objects, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (doc["device"], doc["boot"], doc["seq"], doc["label"], doc["score"], doc["t_ms"], doc.get("time"),
                 received_at, doc.get("time") or received_at, doc.get("x"), doc.get("y"), doc.get("count"),
                 source)) == 1

    def health(self, doc, received_at):
        device, boot, t_ms = doc["device"], doc["boot"], doc["t_ms"]
        counts = doc.get("detections")
        with self.db.transaction():
            self._seen(device, "midge", received_at)
            new = self.db.execute(
                "INSERT INTO health (device, boot, t_ms, board_time, received_at, " + ", ".join(HEALTH_FIELDS)
                + ", detections) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (device, boot, t_ms, doc.get("time"), received_at) + tuple(doc.get(k) for k in HEALTH_FIELDS)
                + (None if counts is None else json.dumps(counts, sort_keys=True),)) == 1
            self.db.execute(
                "UPDATE devices SET boot = ?, health_t_ms = ?, health_at = ?, battery_mv = ?, health = ? "
                "WHERE device = ? AND (boot IS NULL OR boot < ? OR (boot = ? AND health_t_ms <= ?))",
                (boot, t_ms, doc.get("time") or received_at, doc.get("battery_mv"), json.dumps(doc, sort_keys=True),
                 device, boot, boot, t_ms))
        return new

    def uplink(self, up, width, counts):
        with self.db.transaction():
            self._seen(up.device, "lorawan", up.received_at)
            new = self.db.execute(
                "INSERT INTO uplinks (device, session, f_cnt, application, f_port, received_at, width, payload) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (up.device, up.session, up.f_cnt, up.application, up.f_port, up.received_at, width,
                 up.payload.hex())) == 1
            if new:
                for label, (count, saturated) in counts.items():
                    self.db.execute(
                        "INSERT INTO uplink_counts (device, session, f_cnt, label, total, saturated) "
                        "VALUES (?, ?, ?, ?, ?, ?)", (up.device, up.session, up.f_cnt, label, count, int(saturated)))
        return new

    def quarantine(self, topic, payload, error, received_at):
        self.db.execute("INSERT INTO quarantine (topic, payload, error, received_at) VALUES (?, ?, ?, ?)",
                        (topic, bytes(payload), error, received_at))

    def pulled(self, device):
        return self.db.query("SELECT t_ms, label, score FROM detections WHERE device = ? AND boot = ? ORDER BY seq",
                             (device, PULLED_BOOT))

    def next_pulled_seq(self, device):
        last = self.db.query("SELECT MAX(seq) FROM detections WHERE device = ? AND boot = ?", (device, PULLED_BOOT))
        return 0 if last[0][0] is None else last[0][0] + 1
