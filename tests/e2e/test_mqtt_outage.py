"""Boards lose nothing, end to end: the ready mosquito model deployed to an emulated
board with the mqtt responder publishes to a real broker (Debian's mosquitto on a
free loopback port, umqtt.simple from `make setup` in the board's /lib, the 32-bit
port's sockets). The broker is stopped mid-stream and started again while the board
keeps detecting; a subscriber (paho-mqtt, a persistent session, QoS 1) then holds
every detection the board printed on its serial line, each (boot, seq) once after
the hub's de-duplication, in order, with the board's labels and times."""

import json
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from midge import fleet
from midge_host.cli import main
from midge_host.sim import SimBoard

pytestmark = pytest.mark.slow

MOSQUITTO = "/usr/sbin/mosquitto"
MPLIB = Path(sys.prefix) / "micropython-lib"
SECONDS = 24


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Broker:
    """mosquitto on 127.0.0.1:``port``, its sessions persisted in ``folder`` across restarts."""

    def __init__(self, folder, port):
        self.port = port
        self.conf = folder / "mosquitto.conf"
        self.conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence true\n"
                             f"persistence_location {folder}/\n")
        self.log = folder / "mosquitto.log"
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen([MOSQUITTO, "-c", str(self.conf)], stdout=subprocess.DEVNULL,
                                     stderr=self.log.open("ab"))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("mosquitto did not start:\n" + self.log.read_text())

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc = None


class Hub:
    """A paho-mqtt subscriber with a persistent session: what the broker delivered, in order."""

    def __init__(self, port):
        import paho.mqtt.client as mqtt

        self.messages = []
        self.lock = threading.Lock()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="midge-test-hub", clean_session=False)
        self.client.reconnect_delay_set(min_delay=1, max_delay=1)
        self.client.on_connect = lambda c, *_: c.subscribe([("midge/+/det", 1), ("midge/+/health", 1)])
        self.client.on_message = self._message
        self.client.connect("127.0.0.1", port, keepalive=10)
        self.client.loop_start()

    def _message(self, client, userdata, msg):
        with self.lock:
            self.messages.append(fleet.parse(msg.topic, msg.payload))

    def dets(self):
        with self.lock:
            return [doc for kind, doc in self.messages if kind == "det"]

    def wait(self, what, timeout):
        deadline = time.monotonic() + timeout
        while not what():
            assert time.monotonic() < deadline, f"timed out; the hub holds {self.dets()}"
            time.sleep(0.1)

    def close(self):
        self.client.loop_stop()
        self.client.disconnect()


@pytest.fixture
def broker(tmp_path):
    if not Path(MOSQUITTO).is_file():
        pytest.skip("Debian's mosquitto is not installed")
    b = Broker(tmp_path, free_port())
    b.start()
    yield b
    b.stop()


def test_detections_survive_a_broker_outage(broker, tmp_path, capsys):
    if not (MPLIB / "umqtt/simple.py").is_file():
        pytest.skip(f"no umqtt.simple in {MPLIB}: run `make setup`")
    hub = Hub(broker.port)
    flash = tmp_path / "flash"
    shutil.copytree(MPLIB, flash / "lib")
    mqtt = {"kind": "mqtt", "broker": "127.0.0.1", "port": broker.port, "device": "trap-01", "keepalive": 30,
            "timeout_s": 2}
    config = {"responders": [{"kind": "serial"}, mqtt], "status_interval_s": 4,
              "sensor": {"source": "replay", "path": "/data/sample.wav", "loop": True, "seconds": SECONDS}}
    try:
        with SimBoard(board="xiao_esp32s3_sense", flash_dir=flash) as sim:
            code = main(["deploy", "--model", "mosquito", "--port", str(sim.port), "--config", json.dumps(config),
                         "--no-verify"])
            assert code == 0, capsys.readouterr().err
            app = subprocess.Popen([sys.executable, "-m", "mpremote", "connect", str(sim.port), "exec",
                                    "import midge.app; midge.app.run('midge.json')"],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            started = time.monotonic()
            hub.wait(lambda: len(hub.dets()) >= 2, 30)
            broker.stop()  # the board keeps detecting into its outbox
            stopped = time.monotonic()
            time.sleep(5)
            broker.start()
            out, _ = app.communicate(timeout=SECONDS + 30)
            ran = time.monotonic() - started
            lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
            serial = [d for d in lines if d.get("ev") == "det"]
            hub.wait(lambda: len({d["seq"] for d in hub.dets()}) >= len(serial), 15)
    finally:
        hub.close()

    assert lines[-1]["ev"] == "end", out
    errors = [d for d in lines if d.get("ev") == "error"]
    assert errors and all(d["what"].startswith("mqtt ") for d in errors), out  # the outage was felt
    dets = hub.dets()
    first = []  # the hub's view: each (boot, seq) once, in order of arrival
    for d in dets:
        if (d["boot"], d["seq"]) not in {(f["boot"], f["seq"]) for f in first}:
            first.append(d)
    assert len({d["boot"] for d in first}) == 1
    assert [d["seq"] for d in first] == list(range(len(serial)))
    assert [(d["label"], d["score"], d["t_ms"]) for d in first] == [(s["label"], s["score"], s["t"]) for s in serial]
    assert len(dets) - len(first) <= 1  # at most the message in flight when the broker went down, again
    detected_offline = [s for s in serial if stopped - started < s["t"] / 1000]
    assert detected_offline, "no detection while the broker was away: the outage proves nothing"
    health = [doc for kind, doc in hub.messages if kind == "health"]
    assert health and health[-1]["outbox"] == 0 and health[-1]["outbox_dropped"] == 0
    print(f"{len(serial)} detections, {len(dets) - len(first)} repeated, app ran {ran:.1f} s")
