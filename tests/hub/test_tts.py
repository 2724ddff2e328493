"""LoRaWAN uplinks as The Things Stack's MQTT integration sends them: parsed, decoded
with midge's codec and the deployed project's labels, stored once per (device,
session, f_cnt)."""

import base64
import json

import pytest

from midge.labels import reported_labels
from midge.respond.lorawan import encode, size
from midge_host.deploy.artifacts import load_build
from midge_host.hub import db as hubdb
from midge_host.hub import queries, tts
from midge_host.hub.ingest import Ingest
from midge_host.hub.projects import Projects
from midge_host.hub.store import Store
from midge_host.paths import models_dir

MOSQUITO = models_dir() / "mosquito"
TOPIC = "v3/traps@ttn/devices/trap-07/up"


def payload(counts, width=4):
    out = bytearray(size(len(counts), width))
    encode(counts, width, out)
    return bytes(out)


def uplink(counts, f_cnt=None, session="AXBSH1Pk6Z0G166", received_at="2026-05-01T18:15:42.123456789Z",
           device="trap-07", **message):
    """An uplink as The Things Stack writes it (fields that are 0 left out, as it does)."""
    message = dict({"frm_payload": base64.b64encode(payload(counts)).decode(), "f_port": 8,
                    "session_key_id": session, "received_at": received_at}, **message)
    if f_cnt:
        message["f_cnt"] = f_cnt
    return json.dumps({"end_device_ids": {"device_id": device, "application_ids": {"application_id": "traps"},
                                          "dev_eui": "0004A30B001C0530", "dev_addr": "260B1234"},
                       "received_at": received_at, "uplink_message": message}).encode()


@pytest.fixture
def hub(db_url):
    db = hubdb.connect(db_url)
    yield Ingest(Store(db), Projects([f"trap-*={MOSQUITO}"]))
    db.close()


def test_parse_uplink():
    up = tts.parse(TOPIC, uplink([3, 0, 1], f_cnt=41))
    assert (up.device, up.application, up.session, up.f_cnt, up.f_port) == ("trap-07", "traps@ttn", "AXBSH1Pk6Z0G166",
                                                                            41, 8)
    assert up.received_at == "2026-05-01T18:15:42Z"
    assert tts.parse(TOPIC, uplink([1])).f_cnt == 0  # f_cnt 0 is left out of the JSON
    doc = json.loads(uplink([1]))
    del doc["uplink_message"]["session_key_id"]
    assert tts.parse("v3/traps/devices/trap-07/up", json.dumps(doc)).session == "260B1234"  # no tenant; ABP
    del doc["uplink_message"]["frm_payload"]
    assert tts.parse(TOPIC, json.dumps(doc)) is None  # MAC commands only


@pytest.mark.parametrize("body, error", [
    (b"[]", "no uplink_message"),
    (uplink([1], device="other"), "in the topic"),
    (uplink([1], frm_payload="%%%"), "not base64"),
    (uplink([1], f_cnt=-1), "f_cnt must be"),
])
def test_parse_errors(body, error):
    with pytest.raises(ValueError, match=error):
        tts.parse(TOPIC, body)


def test_uplinks_stored_once_with_the_projects_labels(hub):
    labels = reported_labels(load_build(MOSQUITO).meta)
    assert labels == ["aedes_aegypti", "aedes_albopictus", "other"]
    assert hub.handle(TOPIC, uplink([3, 0, 15])) == "stored"
    assert hub.handle(TOPIC, uplink([3, 0, 15])) == "duplicate"  # re-delivered
    assert hub.handle(TOPIC, uplink([1, 1, 1], f_cnt=1)) == "stored"
    assert hub.handle(TOPIC, uplink([2, 0, 0], session="NEWJOIN")) == "stored"  # f_cnt 0 again, after a rejoin
    db = hub.store.db
    rows = db.query("SELECT session, f_cnt, label, total, saturated FROM uplink_counts ORDER BY session, f_cnt, label")
    assert rows[:3] == [("AXBSH1Pk6Z0G166", 0, "aedes_aegypti", 3, 0), ("AXBSH1Pk6Z0G166", 0, "aedes_albopictus", 0, 0),
                        ("AXBSH1Pk6Z0G166", 0, "other", 15, 1)]
    assert len(rows) == 9
    day = queries.counts(db, "day", label="aedes_aegypti")
    assert day == [{"bucket": "2026-05-01T00:00:00Z", "device": "trap-07", "label": "aedes_aegypti", "count": 6}]
    (device,) = queries.devices(db)
    assert (device["device"], device["kind"], device["last_seen"]) == ("trap-07", "lorawan", "2026-05-01T18:15:42Z")


def test_unknown_project_keeps_counts_by_position(hub):
    topic = "v3/traps@ttn/devices/weather-1/up"
    assert hub.handle(topic, uplink([4, 5], device="weather-1")) == "stored"
    assert hub.store.db.query("SELECT label, total FROM uplink_counts ORDER BY label") == [("#0", 4), ("#1", 5)]


def test_bad_uplinks_quarantined(hub):
    assert hub.handle(TOPIC, b"{}") == "quarantined"
    bad = json.loads(uplink([1]))
    bad["uplink_message"]["frm_payload"] = base64.b64encode(b"\x00\x01").decode()  # version 0
    assert hub.handle(TOPIC, json.dumps(bad)) == "quarantined"
    errors = [row[0] for row in hub.store.db.query("SELECT error FROM quarantine ORDER BY id")]
    assert "no uplink_message" in errors[0] and "version 0 is not supported" in errors[1]
    doc = json.loads(uplink([1]))
    del doc["uplink_message"]["frm_payload"]
    assert hub.handle(TOPIC, json.dumps(doc)) == "ignored"
