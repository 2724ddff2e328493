"""The MQTT responder loses nothing: the outbox on flash (order, its bound and the drop
count, reboots, torn records), QoS 1 with a resend when the PUBACK is lost, the boot
counter and per-boot ``seq`` in midge.fleet's messages, health messages, nothing
allocated per window while the outbox is empty, and the mqtt keys of midge.json;
through the fake umqtt client, wherever device code runs."""

import json
import re

import pytest

from midge import app_config, fleet

META = {"task": "classification", "labels": ["aedes", "albopictus", "other", "background"],
        "quiet_labels": ["background"], "sample_rate": 8000, "channels": 1}


def test_outbox_keeps_order_bound_and_drop_count_across_reboots(sensor_python, tmp_path):
    code = f"""
import os
from midge.respond.outbox import Outbox
folder = {str(tmp_path / "ob")!r}
box = Outbox(folder, 4096)  # 4 segments of 1024 bytes: 9 records of 100 bytes each
for i in range(50):
    box.push(b"%03d" % i + b"." * 97)
print(box.pending, box.dropped, sorted(os.listdir(folder)))
got = []
for _ in range(3):
    got.append(bytes(box.peek()[:3]).decode())
    box.pop()
box = Outbox(folder, 4096)  # a reboot: what is left, in order
print(box.pending, box.dropped, got)
while box.pending:
    got.append(bytes(box.peek()[:3]).decode())
    box.pop()
print(got[3], got[-1], len(got), box.peek(), os.listdir(folder))
"""
    lines = sensor_python(code).check().splitlines()
    # 50 records: segments 0..5 of 9 (the last has 5); 0 and 1 dropped -> 32 wait, 18 dropped
    assert lines[0] == "32 18 ['2.q', '3.q', '4.q', '5.q']"
    assert lines[1] == "29 0 ['018', '019', '020']"
    assert lines[2] == "021 049 32 None []"


def test_outbox_skips_a_torn_record_and_appends_after_it(sensor_python, tmp_path):
    code = f"""
from midge.respond.outbox import Outbox
folder = {str(tmp_path / "ob")!r}
box = Outbox(folder, 4096)
box.push(b"one")
box.push(b"two")
with open(folder + "/0.q", "ab") as f:
    f.write(b"\\xa5\\x20half a rec")  # a power cut in the middle of a record
box = Outbox(folder, 4096)
box.push(b"three")
import os
out = [sorted(os.listdir(folder)), box.pending]
while box.pending:
    out.append(bytes(box.peek()).decode())
    box.pop()
print(out)
"""
    assert sensor_python(code).check().strip() == "[['0.q', '1.q'], 3, 'one', 'two', 'three']"


def test_qos1_resends_when_the_puback_is_lost_and_after_a_reboot(sensor_python, tmp_path):
    code = f"""
from umqtt.simple import MQTTClient
from midge.respond.mqtt import Publisher
from midge.respond.outbox import Outbox
folder = {str(tmp_path / "ob")!r}
c = MQTTClient("t", "b")
pub = Publisher(c, Outbox(folder, 4096), b"midge/t/det", backoff_ms=100)
for m in (b"m0", b"m1", b"m2"):
    pub.outbox.push(m)
MQTTClient.lose_pubacks = 1
print(pub.pump(0), pub.outbox.pending, c.published, c.qos)
print(pub.pump(50), pub.pump(100), pub.outbox.pending, [m for _, m in c.published])
pub.outbox.push(b"m3")
MQTTClient.broker_up = False
print(pub.pump(200), pub.outbox.pending)
c2 = MQTTClient("t", "b")  # a reboot while the broker is away
MQTTClient.broker_up = True
pub = Publisher(c2, Outbox(folder, 4096), b"midge/t/det")
print(pub.outbox.pending, pub.pump(0), [m for _, m in c2.published], pub.outbox.pending)
"""
    lines = sensor_python(code).check().splitlines()
    assert lines[0] == "0 3 [(b'midge/t/det', b'm0')] [1]"  # m0 reached the broker, its PUBACK did not come
    assert lines[1] == "0 3 0 [b'm0', b'm0', b'm1', b'm2']"  # waits out the backoff, then m0 again
    assert lines[2] == "0 1"
    assert lines[3] == "1 1 [b'm3'] 0"


RESPONDERS = """
import json
from umqtt.simple import MQTTClient
from midge.app_respond import Responders

from midge.respond import log

class glue:
    clients = []
    @staticmethod
    def mqtt_client(params):
        glue.clients.append(MQTTClient(params["device"], params["broker"]))
        return glue.clients[-1]
    @staticmethod
    def utc():
        return "2026-12-02T10:00:00Z"
    @staticmethod
    def battery_mv(params):
        return params["battery_ratio"] * 1234

conf = [{{"kind": "mqtt", "broker": "b", "device": "trap-01", "outbox": {folder!r}, "keepalive": 10,
          "battery_ratio": 3}}, {{"kind": "log", "path": {folder!r} + "/d.bin"}}]
meta = {meta}
w = bytearray(8)
boots = {folder!r} + "/boot"
MQTTClient.broker_up = False
r = Responders(conf, meta, glue, boots)  # boot 0: the broker is away
for t, index, label in ((500, 0, "aedes"), (1000, 2, "other"), (1500, 0, "aedes")):
    r.detection(index, label, 200, t, w)
    r.window(index, 200, t)
r.status(2000, {{"windows": 4, "dropped": 0, "heap_free": 1234}})
print(r.boot, r.seq, r.mqtt.outbox.pending)
r = Responders(conf, meta, glue, boots)  # boot 1: the broker is back
MQTTClient.broker_up = True
r.detection(1, "albopictus", 180, 700, w)
r.window(1, 180, 700)
r.status(1000, {{"windows": 2, "dropped": 3, "heap_free": 999}})
r.window(3, 0, 5000)
r.window(3, 0, 6000)
c = glue.clients[-1]
print(json.dumps([[t.decode(), m.decode(), q] for (t, m), q in zip(c.published, c.qos)]))
print(c.pings)
print(json.dumps([list(log.unpack_detection(p)) for p in log.records({folder!r} + "/d.bin")]))
"""


def test_detections_carry_boot_and_seq_and_reach_the_broker_once_in_order(sensor_python, tmp_path):
    code = RESPONDERS.format(folder=str(tmp_path / "outbox"), meta=json.dumps(META))
    lines = sensor_python(code).check().splitlines()
    assert lines[0] == "0 3 3"
    sent = json.loads(lines[1])
    kinds = [fleet.parse(topic, msg) for topic, msg, _ in sent]
    dets = [(d["boot"], d["seq"], d["label"], d["t_ms"]) for kind, d in kinds if kind == "det"]
    assert dets == [(0, 0, "aedes", 500), (0, 1, "other", 1000), (0, 2, "aedes", 1500), (1, 0, "albopictus", 700)]
    assert all(d["time"] == "2026-12-02T10:00:00Z" for _, d in kinds)  # the glue's utc, on every message
    # the flash log numbers each detection as its MQTT message does: (t_s, index, score, boot, seq)
    assert json.loads(lines[3]) == [[0, 0, 200, 0, 0], [1, 2, 200, 0, 1], [1, 0, 200, 0, 2], [0, 1, 180, 1, 0]]
    assert all(q == 1 for (_, _, q), (kind, _) in zip(sent, kinds) if kind == "det")
    (health,) = [(d, q) for (_, _, q), (kind, d) in zip(sent, kinds) if kind == "health"]
    doc, qos = health
    assert qos == 0 and sent[-1][0] == "midge/trap-01/health"
    assert {k: doc[k] for k in ("device", "boot", "t_ms", "windows", "dropped", "heap_free", "detections",
                                "outbox", "outbox_dropped", "battery_mv")} == {
        "device": "trap-01", "boot": 1, "t_ms": 1000, "windows": 2, "dropped": 3, "heap_free": 999,
        "detections": {"albopictus": 1}, "outbox": 0, "outbox_dropped": 0, "battery_mv": 3 * 1234}
    assert lines[2] == "1"  # idle past half the keepalive: one ping


def test_the_boot_counter_survives_a_cut_between_remove_and_rename(sensor_python, tmp_path):
    path = str(tmp_path / "boot")
    code = f"""
import os
from midge.bootcount import advance, read
print(advance({path!r}), advance({path!r}), read({path!r}))
os.rename({path!r}, {path!r} + ".new")  # as FAT leaves it: the old file removed, the new one not renamed
print(advance({path!r}), sorted(os.listdir({str(tmp_path)!r})))
with open({path!r}, "w") as f:
    f.write("garbage")
print(advance({path!r}))
"""
    assert sensor_python(code).check().splitlines() == ["0 1 2", "2 ['boot']", "0"]


def test_an_empty_outbox_allocates_nothing_per_window(sensor_python, tmp_path):
    if sensor_python.kind == "cpython":
        pytest.skip("gc.mem_alloc is MicroPython's")
    code = RESPONDERS.split("MQTTClient.broker_up = False")[0].format(folder=str(tmp_path / "ob"),
                                                                     meta=json.dumps(META)) + """
import gc
r = Responders(conf, meta, glue, boots)
r.detection(0, "aedes", 200, 100, w)
for t in range(200, 400):
    r.window(0, 0, t)
grown = before = 0  # every global exists before the count: a new one can grow the module's dict
times = range(400, 4400, 10)
gc.collect()
gc.disable()
before = gc.mem_alloc()
for t in times:
    r.window(0, 0, t)
grown = gc.mem_alloc() - before
gc.enable()
print(grown, r.mqtt.outbox.pending)
"""
    assert sensor_python(code).check().strip() == "0 0"


def test_a_replays_end_waits_out_the_backoff_to_drain_the_outbox(sensor_python, tmp_path):
    code = RESPONDERS.split("MQTTClient.broker_up = False")[0].format(folder=str(tmp_path / "ob"),
                                                                     meta=json.dumps(META)) + """
from midge.sensors._clock import ticks_diff, ticks_ms
conf[0]["drain_s"] = 4
MQTTClient.broker_up = False
r = Responders(conf, meta, glue, boots)
for t in (500, 1000, 1500):  # connects fail at 500 and 1500: the next try is due at 3500
    r.detection(0, "aedes", 200, t, w)
MQTTClient.broker_up = True
start = ticks_ms()
r.finish(1600, {"windows": 3})
print(r.mqtt.outbox.pending, len(glue.clients[-1].published), ticks_diff(ticks_ms(), start) >= 1800)
MQTTClient.broker_up = False
r.detection(0, "aedes", 200, 2000, w)
start = ticks_ms()
r.finish(2000, {"windows": 4})  # the broker never comes back: gives up after drain_s
print(r.mqtt.outbox.pending, ticks_diff(ticks_ms(), start) // 1000)
"""
    lines = sensor_python(code).check().splitlines()
    assert lines[0] == "0 3 True"  # the three detections, after waiting out 1.9 s of backoff
    assert lines[1] == "1 4"


BASE = {"model": "/m.tflite", "meta": "/m.json", "sensor": {"source": "replay", "path": "/a.wav"}, "board": "sim"}


@pytest.mark.parametrize("mqtt, error", [
    ({"device": "trap/01"}, "device (or client_id) names the board"),
    ({"client_id": "x" * 40}, "1..32 letters"),
    ({"outbox_bytes": 1024}, "outbox_bytes must be at least 4096"),
    ({"key": "secret"}, "key (the broker password) needs user"),
    ({"ca": "/ca.der"}, 'ca (a CA certificate file) needs "tls": true'),
    ({"topic": "midge/x"}, "unknown key responders[0] (mqtt).topic"),
    ({"tls": "yes"}, "tls must be true or false"),
    ({"timeout_s": 0}, "timeout_s must be a positive number"),
])
def test_mqtt_keys_are_checked(mqtt, error):
    conf = dict(BASE, responders=[dict({"kind": "mqtt", "broker": "10.0.0.2"}, **mqtt)])
    with pytest.raises(ValueError, match=re.escape(error)):
        app_config.check(conf)


def test_mqtt_keys_pass():
    r = {"kind": "mqtt", "broker": "10.0.0.2", "port": 8883, "device": "trap-01", "user": "u", "key": "k",
         "tls": True, "ca": "/ca.der", "outbox": "/outbox", "outbox_bytes": 32768, "keepalive": 30, "timeout_s": 2}
    assert app_config.check(dict(BASE, responders=[r]))["responders"] == [r]
