"""`midge hub import`: logs fetched by `midge pull` into the hub's tables, without
duplicates across repeated pulls, nor between a logged detection and the same one
received over MQTT; older logs without (boot, seq) across overlapping pulls; and the
command end to end."""

import csv

import pytest

from midge.respond.log import DetectionLog
from midge_host.cli import main
from midge_host.deploy.pull import decode_log, detections_csv
from midge_host.errors import MidgeError
from midge_host.hub import db as hubdb
from midge_host.hub import importer, queries
from midge_host.hub.store import PULLED_BOOT, Store


def write_pull(folder, records):
    """A DIR/pulled as `midge pull` of an older log (no boot, seq) left it: (t_s, label, score)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "detections.csv").write_text("t_s,label,score\n" + "".join(f"{t},{lab},{s}\n" for t, lab, s in records))
    return folder


LABELS = ["aedes_aegypti", "aedes_albopictus", "other"]


def pull_of_log(folder, detections):
    """A DIR/pulled of a board's flash log: ``detections`` (t, index, score, boot, seq) written by the
    board's DetectionLog, decoded and written as `midge pull` does."""
    folder.mkdir(parents=True, exist_ok=True)
    log = DetectionLog(str(folder / "detections.bin"))
    for detection in detections:
        log.detection(*detection)
    records, torn = decode_log((folder / "detections.bin").read_bytes())
    assert torn == 0
    (folder / "detections.csv").write_text(detections_csv(records, LABELS))
    return folder


@pytest.fixture
def store(db_url):
    db = hubdb.connect(db_url)
    yield Store(db)
    db.close()


def test_repeated_and_overlapping_pulls(store, tmp_path):
    first = [(5, "aedes_aegypti", 200), (9, "other", 130), (9, "other", 130), (20, "aedes_albopictus", 250)]
    later = first[2:] + [(3, "aedes_aegypti", 190), (4, "aedes_aegypti", 190)]  # rotated away 2, new boot (t restarts)
    assert importer.import_pulled(store, write_pull(tmp_path / "a", first), "trap-01") == {
        "read": 4, "added": 4, "already": 0}
    assert importer.import_pulled(store, tmp_path / "a" / "detections.csv", "trap-01")["added"] == 0  # again
    assert importer.import_pulled(store, write_pull(tmp_path / "b", later), "trap-01") == {
        "read": 4, "added": 2, "already": 2}
    assert importer.import_pulled(store, tmp_path / "a", "trap-01")["added"] == 0  # an older pull, imported late
    rows = [dict(zip(queries.DETECTION_COLUMNS, r)) for r in queries.all_detections(store.db)]
    assert [(r["boot"], r["seq"], r["t_ms"], r["label"]) for r in rows] == [
        (PULLED_BOOT, i, t * 1000, label) for i, (t, label, _) in enumerate(first + later[2:])]
    assert {r["source"] for r in rows} == {"pull"}
    assert importer.import_pulled(store, tmp_path / "a", "trap-02")["added"] == 4  # another board's history


def test_pull_after_two_rotations_is_new(store, tmp_path):
    importer.import_pulled(store, write_pull(tmp_path / "a", [(1, "x", 1), (2, "x", 1)]), "d")
    assert importer.import_pulled(store, write_pull(tmp_path / "b", [(7, "x", 1), (8, "x", 1)]), "d")["added"] == 2


def test_a_logged_detection_is_the_one_received_over_mqtt(store, tmp_path):
    """The log record and the MQTT message of one detection carry its (boot, seq): stored once."""
    store.detection({"device": "trap-01", "boot": 4, "seq": 1, "label": "other", "score": 100, "t_ms": 2500,
                     "time": "2026-12-02T10:00:00Z"}, "2026-12-02T10:00:01Z")
    pulled = pull_of_log(tmp_path / "pulled", [(1, 0, 200, 4, 0), (2, 2, 100, 4, 1), (70000, 1, 255, 5, 0)])
    assert importer.import_pulled(store, pulled, "trap-01") == {"read": 3, "added": 2, "already": 1}
    assert importer.import_pulled(store, pulled, "trap-01")["added"] == 0
    rows = [dict(zip(queries.DETECTION_COLUMNS, r)) for r in queries.all_detections(store.db)]
    assert sorted((r["boot"], r["seq"], r["label"], r["source"]) for r in rows) == [
        (4, 0, "aedes_aegypti", "pull"), (4, 1, "other", "mqtt"), (5, 0, "aedes_albopictus", "pull")]


@pytest.mark.parametrize("text, error", [
    ("time,label\n", "not a `midge pull` CSV"),
    ("t_s,label,score\n1,x\n", "detections.csv:2: expected t_s,label,score"),
    ("t_s,label,score\n1,x,high\n", "detections.csv:2"),
    ("t_s,label,score,boot,seq\n1,x,3,-1,2\n", "detections.csv:2: expected t_s,label,score,boot,seq"),
])
def test_bad_csv(store, tmp_path, text, error):
    (tmp_path / "detections.csv").write_text(text)
    with pytest.raises(MidgeError, match=error):
        importer.import_pulled(store, tmp_path, "d")


def test_missing_pull(store, tmp_path):
    with pytest.raises(MidgeError, match="not found") as err:
        importer.import_pulled(store, tmp_path / "nothing", "d")
    assert "midge pull" in err.value.hint


def test_import_and_export_commands(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    pulled = write_pull(tmp_path / "mosq" / "pulled", [(5, "aedes_aegypti", 200), (9, "other", 130)])
    assert main(["hub", "import", str(pulled), "--device", "trap-01", "--db", url]) == 0
    assert main(["hub", "import", str(pulled), "--device", "trap-01", "--db", url]) == 0
    out = capsys.readouterr().out
    assert "2 records read, 2 added" in out and "0 added, 2 stored already" in out
    assert main(["hub", "export", "--db", url, "--out", str(tmp_path / "all.csv")]) == 0
    assert "2 detections written" in capsys.readouterr().out
    rows = list(csv.DictReader((tmp_path / "all.csv").open()))
    assert [(r["device"], r["boot"], r["seq"], r["label"]) for r in rows] == [
        ("trap-01", "-1", "0", "aedes_aegypti"), ("trap-01", "-1", "1", "other")]
    assert main(["hub", "import", str(tmp_path / "none"), "--device", "x", "--db", url]) == 1
    assert "not found" in capsys.readouterr().err
