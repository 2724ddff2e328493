"""The hub's HTTP JSON API: endpoints, filters, errors and the token; and the
command's rules for where it listens."""

import csv
import io
import json
import urllib.error
import urllib.request

import pytest

from midge import fleet
from midge_host.commands.hub import is_loopback, parse_http
from midge_host.errors import MidgeError
from midge_host.hub import api
from midge_host.hub import db as hubdb
from midge_host.hub.ingest import Ingest
from midge_host.hub.projects import Projects
from midge_host.hub.store import Store


@pytest.fixture
def served(tmp_path):
    db = hubdb.connect(f"sqlite:///{tmp_path / 'hub.db'}")
    hub = Ingest(Store(db), Projects())
    for seq, (device, label, when) in enumerate([("trap-01", "aedes_aegypti", "2026-05-01T10:05:00Z"),
                                                ("trap-01", "other", "2026-05-01T11:05:00Z"),
                                                ("trap-02", "aedes_aegypti", "2026-05-01T11:30:00Z")]):
        hub.handle(fleet.det_topic(device), fleet.det(device, 0, seq, label, 200, seq * 1000, time=when))
    hub.handle(fleet.health_topic("trap-01"), fleet.health("trap-01", 0, 9000, battery_mv=3750))
    servers = []

    def start(token=None):
        server = api.start(db, "127.0.0.1", 0, token)
        servers.append(server)
        return server.url

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()
    db.close()


def get(url, headers=None):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=5) as reply:
            return reply.status, reply.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def test_endpoints(served):
    url = served()
    status, body = get(f"{url}/api/devices")
    devices = json.loads(body)["devices"]
    assert status == 200 and [d["device"] for d in devices] == ["trap-01", "trap-02"]
    assert (devices[0]["battery_mv"], devices[0]["detections"], devices[0]["health"]["t_ms"]) == (3750, 2, 9000)
    status, body = get(f"{url}/api/detections?device=trap-01&since=2026-05-01T11:00:00Z")
    assert status == 200 and [d["label"] for d in json.loads(body)["detections"]] == ["other"]
    assert len(json.loads(get(f"{url}/api/detections?limit=2")[1])["detections"]) == 2
    until = json.loads(get(f"{url}/api/detections?until=2026-05-01T12:00:00%2B01:00")[1])["detections"]
    assert [d["seq"] for d in until] == [0]  # 12:00+01:00 is 11:00 UTC
    counts = json.loads(get(f"{url}/api/counts?bucket=hour&label=aedes_aegypti")[1])
    assert counts["bucket"] == "hour" and [(c["bucket"], c["device"], c["count"]) for c in counts["counts"]] == [
        ("2026-05-01T10:00:00Z", "trap-01", 1), ("2026-05-01T11:00:00Z", "trap-02", 1)]
    status, body = get(f"{url}/export.csv")
    assert status == 200 and len(list(csv.DictReader(io.StringIO(body)))) == 3


@pytest.mark.parametrize("path, status, error", [
    ("/api/detections?limit=0", 400, "limit must be 1..10000"),
    ("/api/detections?since=yesterday", 400, "since: not an ISO 8601"),
    ("/api/detections?colour=red", 400, "unknown parameter 'colour'"),
    ("/api/counts?bucket=week", 400, "bucket must be one of hour, day"),
    ("/api/nothing", 404, "no such endpoint"),
])
def test_errors(served, path, status, error):
    got, body = get(served() + path)
    assert got == status and error in json.loads(body)["error"]


def test_token(served):
    url = served(token="s3cret")
    status, body = get(f"{url}/api/devices")
    assert status == 401 and "needs its token" in json.loads(body)["error"]
    assert get(f"{url}/api/devices", {"Authorization": "Bearer wrong"})[0] == 401
    assert get(f"{url}/api/devices", {"Authorization": "Bearer s3cret"})[0] == 200
    assert get(f"{url}/api/detections?token=s3cret&device=trap-02")[0] == 200
    assert get(f"{url}/export.csv?token=s3cret")[0] == 200


def test_listen_addresses():
    assert parse_http("127.0.0.1:8765") == ("127.0.0.1", 8765)
    assert parse_http(":9000") == ("127.0.0.1", 9000) and parse_http("9000") == ("127.0.0.1", 9000)
    assert parse_http("[::1]:80") == ("::1", 80) and parse_http("off") is None
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5") and not is_loopback("hub.local")
    with pytest.raises(MidgeError, match="is not HOST:PORT"):
        parse_http("host:http")
