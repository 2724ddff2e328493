"""The hub's tables, versioned: ``MIGRATIONS`` in order, ``migrate(db)`` applies the missing ones.

``schema_version`` holds one row per applied migration. Each migration is a list of
SQL statements per dialect; most are the same text for SQLite and PostgreSQL, where
they differ the migration says so. ``migrate`` runs in one transaction (PostgreSQL
also takes an advisory lock, SQLite its write lock), so two hubs starting at once
apply each migration once; a database from a newer midge is refused. Times are text
in ``midge_host.hub.clock``'s format.

Version 1:

- ``devices``: one row per device (``kind`` "midge" or "lorawan"), first and last
  message, and the newest health message's fields (``health``: its JSON);
- ``detections``: one row per (device, boot, seq) — ``boot`` -1 for records
  imported from a pulled flash log (``midge_host.hub.importer``); ``event_at`` is
  the board's ``time`` when it sent one, else when the hub received it;
  ``source`` "mqtt" or "pull";
- ``health``: one row per (device, boot, t_ms);
- ``uplinks`` and ``uplink_counts``: one LoRaWAN uplink per (device, session,
  f_cnt) (``midge_host.hub.tts``) and its count per label;
- ``quarantine``: messages that did not parse (topic, payload, error, time).
"""

from midge_host.errors import MidgeError
from midge_host.hub import clock

LOCK_ID = 0x6D69646765  # "midge": the advisory lock migrations take in PostgreSQL

V1 = [
    """CREATE TABLE devices (
        device TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        boot BIGINT,
        health_t_ms BIGINT,
        health_at TEXT,
        battery_mv INTEGER,
        health TEXT)""",
    """CREATE TABLE detections (
        device TEXT NOT NULL,
        boot BIGINT NOT NULL,
        seq BIGINT NOT NULL,
        label TEXT NOT NULL,
        score INTEGER NOT NULL,
        t_ms BIGINT NOT NULL,
        board_time TEXT,
        received_at TEXT NOT NULL,
        event_at TEXT NOT NULL,
        x INTEGER,
        y INTEGER,
        objects INTEGER,
        source TEXT NOT NULL,
        PRIMARY KEY (device, boot, seq))""",
    "CREATE INDEX detections_event_at ON detections (event_at)",
    "CREATE INDEX detections_device_event_at ON detections (device, event_at)",
    """CREATE TABLE health (
        device TEXT NOT NULL,
        boot BIGINT NOT NULL,
        t_ms BIGINT NOT NULL,
        board_time TEXT,
        received_at TEXT NOT NULL,
        battery_mv INTEGER,
        heap_free BIGINT,
        windows BIGINT,
        dropped BIGINT,
        outbox BIGINT,
        outbox_dropped BIGINT,
        detections TEXT,
        PRIMARY KEY (device, boot, t_ms))""",
    """CREATE TABLE uplinks (
        device TEXT NOT NULL,
        session TEXT NOT NULL,
        f_cnt BIGINT NOT NULL,
        application TEXT NOT NULL,
        f_port INTEGER NOT NULL,
        received_at TEXT NOT NULL,
        width INTEGER NOT NULL,
        payload TEXT NOT NULL,
        PRIMARY KEY (device, session, f_cnt))""",
    "CREATE INDEX uplinks_received_at ON uplinks (received_at)",
    """CREATE TABLE uplink_counts (
        device TEXT NOT NULL,
        session TEXT NOT NULL,
        f_cnt BIGINT NOT NULL,
        label TEXT NOT NULL,
        total INTEGER NOT NULL,
        saturated INTEGER NOT NULL,
        PRIMARY KEY (device, session, f_cnt, label))""",
]

QUARANTINE = """CREATE TABLE quarantine (
        id {id},
        topic TEXT NOT NULL,
        payload {blob} NOT NULL,
        error TEXT NOT NULL,
        received_at TEXT NOT NULL)"""

MIGRATIONS = [
    (1, {"sqlite": V1 + [QUARANTINE.format(id="INTEGER PRIMARY KEY AUTOINCREMENT", blob="BLOB")],
         "postgresql": V1 + [QUARANTINE.format(id="BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY", blob="BYTEA")]}),
]
LATEST = MIGRATIONS[-1][0]


def version(db):
    """The schema version of ``db`` (0: empty)."""
    return db.query("SELECT MAX(version) FROM schema_version")[0][0] or 0


def migrate(db):
    """Apply the migrations ``db`` lacks; returns the versions applied."""
    applied = []
    with db.transaction():
        if db.dialect == "postgresql":
            db.execute("SELECT pg_advisory_xact_lock(?)", (LOCK_ID,))
        db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)")
        have = version(db)
        if have > LATEST:
            raise MidgeError(f"the database has schema version {have}; this midge knows up to {LATEST}",
                             hint="upgrade midge (pip install -U midge) before opening this database")
        for number, statements in MIGRATIONS:
            if number > have:
                for sql in statements[db.dialect]:
                    db.execute(sql)
                db.execute("INSERT INTO schema_version (version, applied_at) VALUES (?, ?)", (number, clock.now()))
                applied.append(number)
    return applied
