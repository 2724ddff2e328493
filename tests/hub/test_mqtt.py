"""The hub against a real broker (Debian's mosquitto on a loopback port): simulated
boards publish det and health messages (``midge.fleet``) and TTS-style uplinks with
QoS 1 while the broker restarts and the hub is killed and started again, mid-stream;
every detection is then in the database exactly once (SQLite and PostgreSQL)."""

import base64
import json
import threading
import time
import urllib.error
import urllib.request

import pytest

from midge import fleet
from midge.respond.lorawan import encode
from midge_host.hub import db as hubdb
from midge_host.paths import models_dir

mqtt = pytest.importorskip("paho.mqtt.client")

DEVICES = [f"trap-{i:02d}" for i in range(5)]
PER_BOOT = 30


def messages():
    """(topic, payload) for every message the simulated fleet sends, in order."""
    out = []
    for boot in (0, 1):
        for seq in range(PER_BOOT):
            for device in DEVICES:
                out.append((fleet.det_topic(device).decode(),
                            fleet.det(device, boot, seq, ("aedes_aegypti", "other")[seq % 2], 100 + seq, seq * 250)))
        for device in DEVICES:
            out.append((fleet.health_topic(device).decode(), fleet.health(device, boot, PER_BOOT * 250, battery_mv=3700)))
    for f_cnt in range(3):
        payload = bytearray(3)
        encode([f_cnt, 1, 0], 4, payload)
        doc = {"end_device_ids": {"device_id": "lora-01"}, "received_at": "2026-05-01T18:00:00Z",
               "uplink_message": {"frm_payload": base64.b64encode(payload).decode(), "f_cnt": f_cnt, "f_port": 8,
                                  "session_key_id": "S1"}}
        out.insert(40 + 50 * f_cnt, ("v3/traps@ttn/devices/lora-01/up", json.dumps(doc).encode()))
    return out


class Fleet:
    """One publisher for the simulated boards, QoS 1; paho keeps what it could not send yet and
    sends it again after it reconnects."""

    def __init__(self, port):
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="sim-fleet")
        self.client.reconnect_delay_set(1, 2)
        self.acked = set()
        self.client.on_publish = lambda client, userdata, mid, reason_code, properties: self.acked.add(mid)
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        self.sent = 0
        self.infos = []

    def publish_all(self, items, gap=0.004):
        for topic, payload in items:
            self.infos.append(self.client.publish(topic, payload, qos=1))
            self.sent += 1
            time.sleep(gap)

    def wait_until(self, count, timeout=20):
        end = time.monotonic() + timeout
        while self.sent < count and time.monotonic() < end:
            time.sleep(0.005)

    def close(self, timeout=30):
        """Wait until the broker acknowledged every message (PUBACK; those published while it
        was away included, which wait_for_publish refuses)."""
        mids = {info.mid for info in self.infos}
        end = time.monotonic() + timeout
        while not mids <= self.acked and time.monotonic() < end:
            time.sleep(0.05)
        assert mids <= self.acked, f"{len(mids - self.acked)} messages never acknowledged by the broker"
        self.client.loop_stop()
        self.client.disconnect()


def wait_stored(url, expected, timeout=30):
    db = hubdb.connect(url)
    try:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if db.query("SELECT COUNT(*) FROM detections")[0][0] >= expected:
                break
            time.sleep(0.1)
        return db.query("SELECT device, boot, seq FROM detections ORDER BY device, boot, seq"), \
            db.query("SELECT COUNT(*) FROM health")[0][0], \
            db.query("SELECT COUNT(*) FROM uplinks")[0][0], db.query("SELECT COUNT(*) FROM quarantine")[0][0]
    finally:
        db.close()


@pytest.mark.slow
def test_every_detection_once_through_restarts(mosquitto, hub_process, db_url):
    project = f"lora-*={models_dir() / 'mosquito'}"
    hub = hub_process(db_url, mosquitto.url, "--project", project, client_id="fleet-hub")
    hub.wait_for("subscribed")
    items = messages()
    fleet_ = Fleet(mosquitto.port)
    stream = threading.Thread(target=fleet_.publish_all, args=(items,))
    stream.start()

    fleet_.wait_until(len(items) // 4)
    mosquitto.stop()  # the broker goes away mid-stream and comes back with its persisted sessions
    time.sleep(0.3)
    mosquitto.start()
    hub.wait_for("session resumed")

    fleet_.wait_until(len(items) // 2)
    hub.kill()  # no goodbye: unacknowledged messages must come again
    fleet_.wait_until(len(items) * 3 // 4)
    hub = hub_process(db_url, mosquitto.url, "--project", project, client_id="fleet-hub")
    hub.wait_for("session resumed")
    stream.join()
    fleet_.close()

    expected = sorted((d, b, s) for d in DEVICES for b in (0, 1) for s in range(PER_BOOT))
    stored, health, uplinks, quarantined = wait_stored(db_url, len(expected))
    assert [tuple(row) for row in stored] == expected
    assert (health, uplinks, quarantined) == (len(DEVICES) * 2, 3, 0)
    assert hub.stop() == 0
    assert "stored" in hub.lines[-1]


@pytest.mark.slow
def test_api_beyond_loopback_needs_a_token(mosquitto, hub_process, tmp_path):
    from midge_host.hub.testbed import free_port

    port = free_port()
    hub = hub_process(f"sqlite:///{tmp_path / 'hub.db'}", mosquitto.url, http=f"0.0.0.0:{port}")
    hub.wait_for("subscribed")
    token = next(line for line in hub.lines if "its token is" in line).split()[-1]
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/api/devices", timeout=5)
    assert err.value.code == 401
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/devices", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=5) as reply:
        assert json.load(reply) == {"devices": []}
    assert hub.stop() == 0


@pytest.mark.slow
def test_database_error_stops_the_hub_unacknowledged(mosquitto, tmp_path):
    from midge_host.errors import MidgeError
    from midge_host.hub.projects import Projects
    from midge_host.hub.serve import Broker, serve

    url = f"sqlite:///{tmp_path / 'hub.db'}"
    db = hubdb.connect(url)
    db.execute("DROP TABLE detections")  # what a broken database looks like to the hub
    db.close()
    logged, failures = [], []

    def run():
        try:
            serve(url, Broker.from_url(mosquitto.url, client_id="broken-hub"), Projects(), log=logged.append)
        except MidgeError as err:
            failures.append(err)

    thread = threading.Thread(target=run)
    thread.start()
    end = time.monotonic() + 10
    while not any("subscribed" in line for line in logged) and time.monotonic() < end:
        time.sleep(0.02)
    fleet_ = Fleet(mosquitto.port)
    fleet_.publish_all([(fleet.det_topic("trap-01").decode(), fleet.det("trap-01", 0, 0, "x", 1, 0))])
    thread.join(10)
    fleet_.close()
    assert not thread.is_alive() and "not acknowledged" in failures[0].message


@pytest.mark.slow
def test_tls_and_the_broker_login_pass_through(hub_process, tmp_path):
    """A broker that takes only TLS and a login (a throwaway CA, mosquitto_passwd): the hub
    stores a board's detection with --cafile, --username and --password, and stops at once,
    saying why, on a wrong password or a certificate it cannot trust."""
    from midge_host.hub.testbed import Mosquitto, Unavailable

    try:
        broker = Mosquitto(tmp_path / "broker", secure=True)
    except Unavailable as err:
        pytest.skip(str(err))
    broker.start()
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    login = ["--username", broker.username, "--password", broker.password]
    try:
        hub = hub_process(url, broker.url, "--cafile", str(broker.ca), *login)
        hub.wait_for("subscribed")
        board = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="trap-01")
        board.tls_set(ca_certs=str(broker.ca))
        board.username_pw_set(broker.username, broker.password)
        board.connect("127.0.0.1", broker.port)
        board.loop_start()
        board.publish(fleet.det_topic("trap-01").decode(), fleet.det("trap-01", 0, 0, "aedes", 200, 500),
                      qos=1).wait_for_publish(10)
        board.loop_stop()
        board.disconnect()
        assert wait_stored(url, 1)[0] == [("trap-01", 0, 0)]
        assert hub.stop() == 0

        wrong = hub_process(url, broker.url, "--cafile", str(broker.ca), "--username", broker.username,
                            "--password", "wrong")
        untrusted = hub_process(url, broker.url, *login)  # the system's CAs do not know the test CA
        for hub, said in ((wrong, "Not authorized"), (untrusted, "TLS certificate is not trusted")):
            assert hub.proc.wait(20) == 1
            hub.stop()
            assert said in "".join(hub.lines), hub.lines
        assert "--cafile" in "".join(untrusted.lines)
    finally:
        broker.stop()
