"""Issue 13's fleet, end to end on loopback: Mosquitto (persistence on), two hubs
(`midge hub serve` processes, one on SQLite and one on a throwaway PostgreSQL
cluster, each its own persistent session) and three emulated boards, each deployed
with a ready model (`midge deploy --model`: mosquito, rainfall, motion) and the
mqtt responder (umqtt.simple in its /lib), replaying its sample recording in real
time. Once both databases hold a detection from every board the broker is stopped,
the boards keep detecting into their flash outboxes, and the broker comes back with
its sessions. Every detection each board printed on its serial line is then in both
databases exactly once, as (device, boot, seq) with the board's label, score, stream
time and UTC time, and nothing else is: no extra row, nothing quarantined. One board
also logs to flash: its log, decoded as `midge pull` decodes it and imported with
`midge hub import`, adds nothing (each record is a detection MQTT brought)."""

import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from midge.labels import decision_labels
from midge_host.cli import main
from midge_host.deploy.pull import decode_log, detections_csv
from midge_host.hub import db as hubdb
from midge_host.hub.testbed import HubProcess, Mosquitto, Postgres, Unavailable
from midge_host.sim import SimBoard

pytestmark = pytest.mark.slow

MPLIB = Path(sys.prefix) / "micropython-lib"
SECONDS = 24  # of stream per board (its sample looped)
OUTAGE_S = 6
LOGGED = "trap-01"  # also logs to flash
# device: (ready model, its board, its sample recording's sensor settings)
FLEET = {"trap-01": ("mosquito", "xiao_esp32s3_sense", {"path": "/data/sample.wav"}),
         "rain-01": ("rainfall", "xiao_esp32s3_sense", {"path": "/data/sample.wav"}),
         "imu-01": ("motion", "nano33_ble_sense", {"path": "/data/sample.csv", "sample_rate": 100})}


class Serial:
    """A board running its app under `mpremote exec`: its JSON lines, each with the
    monotonic time it arrived."""

    def __init__(self, port):
        self.proc = subprocess.Popen([sys.executable, "-m", "mpremote", "connect", str(port), "exec",
                                      "import midge.app; midge.app.run('midge.json')"],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines = []
        self.output = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.output.append(line)
            if line.startswith("{"):
                self.lines.append((time.monotonic(), json.loads(line)))

    def wait(self, timeout):
        self.proc.wait(timeout)
        self._reader.join(5)

    def events(self, ev):
        return [doc for _, doc in self.lines if doc.get("ev") == ev]


@pytest.fixture
def services(tmp_path):
    """(Mosquitto, a fresh PostgreSQL database URL); skips saying what is missing."""
    pg = None
    try:
        broker = Mosquitto(tmp_path)
        pg = Postgres(tempfile.mkdtemp(prefix="midge-pg-"), {"fsync": "off"})
        pg.start()
    except Unavailable as err:
        if pg is not None:
            pg.stop()
        pytest.skip(f"{err} ({err.hint})" if err.hint else str(err))
    broker.start()
    yield broker, pg.database()
    broker.stop()
    pg.stop()


def rows(url, times=False):
    """{device: [(boot, seq, label, score, t_ms), ...]} and the quarantine's size; with
    ``times``, also the board times (UTC text) of every row."""
    db = hubdb.connect(url)
    try:
        found = {}
        for device, *row in db.query("SELECT device, boot, seq, label, score, t_ms FROM detections "
                                     "ORDER BY device, boot, seq"):
            found.setdefault(device, []).append(tuple(row))
        quarantined = db.query("SELECT COUNT(*) FROM quarantine")[0][0]
        if times:
            return found, quarantined, [t for (t,) in db.query("SELECT board_time FROM detections")]
        return found, quarantined
    finally:
        db.close()


def wait_rows(urls, done, timeout):
    """Until ``done({device: rows})`` holds in every database, or ``timeout`` seconds."""
    end = time.monotonic() + timeout
    while not all(done(rows(url)[0]) for url in urls) and time.monotonic() < end:
        time.sleep(0.2)


def deploy(device, port, broker_port):
    model, _, sensor = FLEET[device]
    mqtt = {"kind": "mqtt", "broker": "127.0.0.1", "port": broker_port, "device": device, "keepalive": 30,
            "timeout_s": 2}
    log = [{"kind": "log", "path": "/log/detections.bin"}] if device == LOGGED else []
    config = {"responders": [{"kind": "serial"}, mqtt] + log, "status_interval_s": 4,
              "sensor": dict(sensor, source="replay", loop=True, seconds=SECONDS)}
    return subprocess.Popen([sys.executable, "-m", "midge_host", "deploy", "--model", model, "--port", str(port),
                             "--config", json.dumps(config), "--no-verify"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_every_detection_once_in_both_databases(services, tmp_path):
    if not (MPLIB / "umqtt/simple.py").is_file():
        pytest.skip(f"no umqtt.simple in {MPLIB}: run `make setup`")
    broker, pg_url = services
    urls = [f"sqlite:///{tmp_path / 'hub.db'}", pg_url]
    boards = {}
    hubs = []
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 1))
    try:
        for device, (_, board, _) in FLEET.items():
            flash = tmp_path / device
            shutil.copytree(MPLIB, flash / "lib")
            boards[device] = SimBoard(board=board, flash_dir=flash, port=tmp_path / f"{device}.port")
            boards[device].start()
        deploys = {device: deploy(device, sim.port, broker.port) for device, sim in boards.items()}
        hubs = [HubProcess(["--mqtt", broker.url, "--db", url, "--http", "off", "--client-id", f"fleet-hub-{i}"])
                for i, url in enumerate(urls)]
        for device, proc in deploys.items():
            out, _ = proc.communicate(timeout=120)
            assert proc.returncode == 0, f"deploying {device} failed:\n{out}"
        for hub in hubs:
            hub.wait_for("subscribed")

        apps = {device: Serial(sim.port) for device, sim in boards.items()}
        wait_rows(urls, lambda found: set(found) == set(FLEET), 30)
        broker.stop()  # the boards keep detecting into their outboxes
        away = (time.monotonic(), time.monotonic() + OUTAGE_S)
        time.sleep(OUTAGE_S)
        broker.start()
        for app in apps.values():
            app.wait(SECONDS + 60)

        expected = {}
        for device, app in apps.items():
            text = "".join(app.output)
            assert app.events("end"), f"{device}'s app did not end:\n{text}"
            errors = app.events("error")
            assert errors and all(e["what"].startswith("mqtt ") for e in errors), f"{device}:\n{text}"
            assert any(away[0] <= at <= away[1] for at, doc in app.lines if doc.get("ev") == "det"), \
                f"{device} detected nothing while the broker was away: the outage proves nothing\n{text}"
            expected[device] = [(d["label"], d["score"], d["t"]) for d in app.events("det")]
        wait_rows(urls, lambda found: {d: len(r) for d, r in found.items()} == {d: len(e) for d, e in expected.items()},
                  30)
        assert [hub.stop() for hub in hubs] == [0, 0], [("".join(hub.lines)) for hub in hubs]
    finally:
        for hub in hubs:
            hub.stop()
        for sim in boards.values():
            sim.stop()

    finished = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 1))
    records, torn = decode_log((tmp_path / LOGGED / "log/detections.bin").read_bytes())
    pulled = tmp_path / "pulled"
    pulled.mkdir()
    meta = json.loads((tmp_path / LOGGED / "model/meta.json").read_text())
    (pulled / "detections.csv").write_text(detections_csv(records, decision_labels(meta)))
    for url in urls:
        assert main(["hub", "import", str(pulled), "--device", LOGGED, "--db", url]) == 0
        stored, quarantined, board_times = rows(url, times=True)
        assert quarantined == 0, url
        assert set(stored) == set(FLEET), url
        for device, dets in expected.items():  # the first boot of a fresh flash: boot 0
            assert stored[device] == [(0, seq, *d) for seq, d in enumerate(dets)], (url, device)
        assert all(started <= t <= finished for t in board_times), (started, board_times, finished)
    assert torn == 0 and [(boot, seq) for *_, boot, seq in records] == [(0, seq) for seq in range(len(expected[LOGGED]))]
    print(", ".join(f"{device}: {len(dets)} detections" for device, dets in expected.items()))
