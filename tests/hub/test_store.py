"""parse -> store: midge.fleet messages through Ingest into SQLite and PostgreSQL,
duplicates, quarantine, device health, migrations, queries and the export."""

import csv
import sqlite3

import pytest

from midge import fleet
from midge_host.errors import MidgeError
from midge_host.hub import db as hubdb
from midge_host.hub import export, queries, schema
from midge_host.hub.ingest import Ingest
from midge_host.hub.projects import Projects
from midge_host.hub.store import Store


@pytest.fixture
def hub(db_url):
    db = hubdb.connect(db_url)
    yield Ingest(Store(db), Projects())
    db.close()


def det(device="trap-01", boot=0, seq=0, label="aedes_aegypti", score=200, t_ms=1000, **extra):
    return fleet.det_topic(device), fleet.det(device, boot, seq, label, score, t_ms, **extra)


def test_detection_stored_once(hub):
    assert hub.handle(*det(), received_at="2026-05-01T10:00:00Z") == "stored"
    assert hub.handle(*det(), received_at="2026-05-01T10:00:05Z") == "duplicate"
    assert hub.handle(*det(seq=1, time="2026-05-01T09:59:58Z")) == "stored"
    assert hub.handle(*det(boot=1)) == "stored"
    assert hub.counts == {"stored": 3, "duplicate": 1, "quarantined": 0, "ignored": 0}
    rows = queries.all_detections(hub.store.db)
    assert [(r[0], r[1], r[2]) for r in rows] == [("trap-01", 0, 0), ("trap-01", 0, 1), ("trap-01", 1, 0)]
    first = dict(zip(queries.DETECTION_COLUMNS, rows[0]))
    assert first["received_at"] == first["event_at"] == "2026-05-01T10:00:00Z"  # the first delivery's
    assert dict(zip(queries.DETECTION_COLUMNS, rows[1]))["event_at"] == "2026-05-01T09:59:58Z"  # the board's time


def test_detection_fields(hub):
    hub.handle(*det(label="person", score=255, x=48, y=20, count=2, time="2026-05-01T10:00:00Z"))
    got = queries.detections(hub.store.db)[0]
    assert (got["label"], got["score"], got["x"], got["y"], got["objects"], got["source"]) == (
        "person", 255, 48, 20, 2, "mqtt")


@pytest.mark.parametrize("topic, payload, error", [
    (b"midge/trap-01/det", b"{not json", "not JSON"),
    (b"midge/trap-01/det", fleet.det("trap-02", 0, 0, "x", 1, 0), "in the topic"),
    (b"midge/trap-01/det", b'{"v": 9, "device": "trap-01"}', "unknown message format"),
    (b"midge/trap-01/det", fleet.det("trap-01", 0, 0, "x", 300, 0), "score must be"),
    (b"midge/trap-01/health", b'{"v": 1, "device": "trap-01", "boot": 0, "t_ms": 1, "detections": [1]}',
     "detections must map"),
    (b"midge/trap-01/det", b"\xff\xfe", "not JSON"),
])
def test_bad_messages_are_quarantined(hub, topic, payload, error):
    assert hub.handle(topic, payload, received_at="2026-05-01T10:00:00Z") == "quarantined"
    assert hub.handle(topic, payload) == "quarantined"  # counted each time, never raises
    rows = hub.store.db.query("SELECT topic, payload, error, received_at FROM quarantine ORDER BY id")
    assert len(rows) == 2
    assert rows[0][0] == topic.decode() and bytes(rows[0][1]) == payload and error in rows[0][2]
    assert rows[0][3] == "2026-05-01T10:00:00Z"
    assert queries.all_detections(hub.store.db) == []


def test_health_keeps_newest_per_device(hub):
    db = hub.store.db
    hub.handle(fleet.health_topic("trap-01"), fleet.health("trap-01", 1, 5000, battery_mv=3900, windows=10))
    hub.handle(fleet.health_topic("trap-01"), fleet.health("trap-01", 1, 9000, battery_mv=3800,
                                                           detections={"aedes_aegypti": 2}))
    assert hub.handle(fleet.health_topic("trap-01"), fleet.health("trap-01", 1, 9000, battery_mv=3800,
                                                                  detections={"aedes_aegypti": 2})) == "duplicate"
    hub.handle(fleet.health_topic("trap-01"), fleet.health("trap-01", 0, 99000, battery_mv=4100))  # late, old boot
    hub.handle(*det())
    (device,) = queries.devices(db)
    assert (device["device"], device["kind"], device["boot"], device["battery_mv"], device["detections"]) == (
        "trap-01", "midge", 1, 3800, 1)
    assert device["health"]["detections"] == {"aedes_aegypti": 2}
    assert db.query("SELECT COUNT(*) FROM health")[0][0] == 3


def test_queries_filter_and_count(hub):
    times = ["2026-05-01T10:05:00Z", "2026-05-01T10:55:00Z", "2026-05-01T11:10:00Z", "2026-05-02T00:00:00Z"]
    for seq, when in enumerate(times):
        hub.handle(*det(seq=seq, label="other" if seq == 2 else "aedes_aegypti", time=when))
    hub.handle(*det(device="trap-02", seq=0, time=times[0]))
    db = hub.store.db
    assert [d["seq"] for d in queries.detections(db, device="trap-01")] == [3, 2, 1, 0]
    assert [d["seq"] for d in queries.detections(db, device="trap-01", limit=2)] == [3, 2]
    assert [d["seq"] for d in queries.detections(db, label="other")] == [2]
    assert [d["seq"] for d in queries.detections(db, device="trap-01", since="2026-05-01T10:55:00Z",
                                                 until="2026-05-02T00:00:00Z")] == [2, 1]
    hours = queries.counts(db, "hour", device="trap-01")
    assert hours == [
        {"bucket": "2026-05-01T10:00:00Z", "device": "trap-01", "label": "aedes_aegypti", "count": 2},
        {"bucket": "2026-05-01T11:00:00Z", "device": "trap-01", "label": "other", "count": 1},
        {"bucket": "2026-05-02T00:00:00Z", "device": "trap-01", "label": "aedes_aegypti", "count": 1}]
    days = queries.counts(db, "day", label="aedes_aegypti")
    assert [(c["bucket"], c["device"], c["count"]) for c in days] == [
        ("2026-05-01T00:00:00Z", "trap-01", 2), ("2026-05-01T00:00:00Z", "trap-02", 1),
        ("2026-05-02T00:00:00Z", "trap-01", 1)]


def test_export_csv(hub, tmp_path):
    hub.handle(*det(seq=1, x=3, y=4, count=1))
    hub.handle(*det(seq=0))
    out = tmp_path / "out" / "detections.csv"
    assert export.export(hub.store.db, out) == 2
    rows = list(csv.DictReader(out.open()))
    assert [r["seq"] for r in rows] == ["0", "1"]
    assert list(rows[0]) == list(queries.DETECTION_COLUMNS)
    assert (rows[0]["x"], rows[1]["x"], rows[1]["objects"]) == ("", "3", "1")
    assert not [p for p in out.parent.iterdir() if p.name.endswith(".tmp")]


def test_schema_versioned_and_reopened(db_url):
    db = hubdb.connect(db_url)
    assert schema.version(db) == schema.LATEST
    assert schema.migrate(db) == []  # nothing left to apply
    Store(db).detection({"device": "a", "boot": 0, "seq": 0, "label": "x", "score": 1, "t_ms": 0}, "2026-01-01T00:00:00Z")
    db.close()
    db = hubdb.connect(db_url)  # data and version kept
    assert db.query("SELECT COUNT(*) FROM schema_version")[0][0] == schema.LATEST
    assert db.query("SELECT COUNT(*) FROM detections")[0][0] == 1
    db.execute("INSERT INTO schema_version (version, applied_at) VALUES (?, ?)", (schema.LATEST + 1, "later"))
    db.close()
    with pytest.raises(MidgeError, match=f"schema version {schema.LATEST + 1}; this midge knows up to {schema.LATEST}") as err:
        hubdb.connect(db_url)
    assert "upgrade midge" in err.value.hint


def test_sqlite_uses_wal(tmp_path):
    hubdb.connect(f"sqlite:///{tmp_path / 'hub.db'}").close()
    assert sqlite3.connect(tmp_path / "hub.db").execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.parametrize("url, message", [
    ("mysql://x", "unknown database URL"),
    ("sqlite:///", "needs a file path"),
    ("sqlite:///no/such/folder/hub.db", "does not exist"),
])
def test_bad_database_urls(url, message):
    with pytest.raises(MidgeError, match=message):
        hubdb.connect(url)
