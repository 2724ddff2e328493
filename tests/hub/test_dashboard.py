"""The hub's dashboard as a person sees it: headless Chromium (Debian's ``chromium``)
driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``: no port and no
websocket library), against the HTTP API on loopback with a store filled through the
real ingest path (``midge.fleet`` messages). Skips when chromium is not installed."""

import base64
import csv
import fcntl
import io
import json
import os
import select
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone

import pytest

from midge import fleet
from midge_host.hub import api
from midge_host.hub import db as hubdb
from midge_host.hub.ingest import Ingest
from midge_host.hub.projects import Projects
from midge_host.hub.store import Store

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
LABELS = ("aedes_aegypti", "culex", "other")


class Browser:
    """Chromium reading DevTools commands on its fd 3 and answering on fd 4, each
    message JSON ended by a NUL. ``call(method, session=None, **params)`` returns the
    result or raises; events that arrive meanwhile are kept in ``events``."""

    def __init__(self, exe, profile, log):
        commands, self._out = os.pipe()
        self._in, replies = os.pipe()
        high = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in (commands, replies)]
        os.close(commands)
        os.close(replies)
        args = [exe, "--headless=new", "--remote-debugging-pipe", f"--user-data-dir={profile}", "--no-first-run",
                "--no-default-browser-check", "--disable-gpu", "--disable-extensions", "about:blank"]
        if os.geteuid() == 0:
            args.insert(1, "--no-sandbox")  # Chromium's sandbox refuses to run as root
        self.log = log
        with open(log, "wb") as out:
            self.proc = subprocess.Popen(args, stdout=out, stderr=out, close_fds=False,
                                         preexec_fn=lambda: (os.dup2(high[0], 3), os.dup2(high[1], 4)))
        for fd in high:
            os.close(fd)
        self._buffer = b""
        self._id = 0
        self.events = []

    def _message(self, deadline):
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._in], [], [], left)[0]:
                raise TimeoutError("chromium did not answer in time")
            chunk = os.read(self._in, 1 << 20)
            if not chunk:
                raise RuntimeError(f"chromium closed its DevTools pipe; its log:\n{self.log.read_text()[-2000:]}")
            self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        return json.loads(message)

    def call(self, method, session=None, timeout=10.0, **params):
        self._id += 1
        message = {"id": self._id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        data = json.dumps(message).encode() + b"\0"
        while data:
            data = data[os.write(self._out, data):]
        deadline = time.monotonic() + timeout
        while True:
            reply = self._message(deadline)
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]
            self.events.append(reply)

    def wait_event(self, method, session, timeout=10.0):
        deadline = time.monotonic() + timeout
        while True:
            for event in self.events:
                if event.get("method") == method and event.get("sessionId") == session:
                    self.events.remove(event)
                    return event
            self.events.append(self._message(deadline))

    def close(self):
        for fd in (self._out, self._in):
            os.close(fd)
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)


class Page:
    """One tab: ``goto(url)``, ``js(expression)`` (its value; promises awaited),
    ``wait(expression)`` until truthy, ``errors(network=True)``, ``screenshot(path)``."""

    def __init__(self, browser):
        self.browser = browser
        target = browser.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = browser.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable")
        self.call("Emulation.setDeviceMetricsOverride", width=1200, height=1250, deviceScaleFactor=1, mobile=False)

    def call(self, method, **params):
        return self.browser.call(method, session=self.session, **params)

    def goto(self, url):
        self.call("Page.navigate", url=url)
        self.browser.wait_event("Page.loadEventFired", self.session)

    def js(self, expression):
        reply = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in reply:
            raise AssertionError(f"{expression}: {reply['exceptionDetails']}")
        return reply["result"].get("value")

    def wait(self, expression, timeout=10.0):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.js(expression):
                return
            time.sleep(0.05)
        raise AssertionError(f"never true: {expression}\nerrors: {self.errors()}\n"
                             f"page: {self.js('document.body.innerText')}")

    def errors(self, network=True):
        """JavaScript exceptions, console errors and (with ``network``) failed loads."""
        found = []
        for event in self.browser.events:
            if event.get("sessionId") != self.session:
                continue
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                details = params["exceptionDetails"]
                found.append(details.get("exception", {}).get("description") or details.get("text"))
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                found.append(" ".join(str(a.get("value", a.get("description"))) for a in params.get("args", [])))
            elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                if network or params["entry"].get("source") != "network":
                    found.append(params["entry"]["text"])
        return found

    def choose(self, select_id, value):
        """Pick ``value`` in the select as a person would (the page hears ``change``)."""
        self.js(f"(() => {{ const s = document.getElementById({json.dumps(select_id)}); "
                f"s.value = {json.dumps(value)}; s.dispatchEvent(new Event('change')); }})()")

    def rows(self, table):
        return self.js(f"[...document.querySelectorAll('#{table} tbody tr')]"
                       ".map(r => [...r.cells].map(c => c.textContent))")

    def screenshot(self, path):
        path.write_bytes(base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"]))


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if CHROMIUM is None:
        pytest.skip("chromium not found: apt-get install chromium (Debian) for the dashboard's browser test")
    folder = tmp_path_factory.mktemp("chromium")
    chromium = Browser(CHROMIUM, folder / "profile", folder / "chromium.log")
    yield chromium
    chromium.close()


def stamp(when):
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def fill(db):
    """Three traps: detections over the last 20 hours and one 10 days old, health from two.
    Returns the detections as (device, label, time)."""
    hub = Ingest(Store(db), Projects())
    now = datetime.now(timezone.utc)
    made = [("trap-01", "aedes_aegypti", stamp(now - timedelta(days=10)))]
    for i in range(30):
        made.append((("trap-01", "trap-02")[i % 2], LABELS[i % 3], stamp(now - timedelta(minutes=40 * i + 5))))
    for seq, (device, label, when) in enumerate(made):
        assert hub.handle(fleet.det_topic(device), fleet.det(device, 3, seq, label, 150 + seq, seq * 997,
                                                             time=when)) == "stored"
    hub.handle(fleet.health_topic("trap-01"), fleet.health("trap-01", 3, 60000, battery_mv=3750, heap_free=40960,
                                                           windows=1200, dropped=2, outbox=0))
    hub.handle(fleet.health_topic("trap-03"), fleet.health("trap-03", 1, 5000, battery_mv=4010, heap_free=81920,
                                                           windows=50, dropped=0, outbox=4, outbox_dropped=1))
    return made


@pytest.fixture
def hub(tmp_path):
    """``hub(token=None, filled=True) -> (url, detections)``: the API on a free loopback port."""
    started = []

    def start(token=None, filled=True):
        db = hubdb.connect(f"sqlite:///{tmp_path / f'hub{len(started)}.db'}")
        made = fill(db) if filled else []
        server = api.start(db, "127.0.0.1", 0, token)
        started.append((server, db))
        return server.url, made

    yield start
    for server, db in started:
        server.shutdown()
        server.server_close()
        db.close()


def fetch(url):
    with urllib.request.urlopen(url, timeout=5) as reply:
        return reply.status, reply.headers["Content-Type"], reply.read()


def test_static_files_and_filtered_csv(hub):
    url, made = hub(token="s3cret")
    for path, kind in (("/", "text/html"), ("/app.js", "text/javascript"), ("/style.css", "text/css")):
        status, content_type, body = fetch(url + path)  # no token: the files hold no data
        assert status == 200 and content_type.startswith(kind) and body
    text = fetch(f"{url}/export.csv?token=s3cret&device=trap-02&label=culex")[2].decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {(r["device"], r["label"]) for r in rows} == {("trap-02", "culex")}
    assert len(rows) == sum(1 for d, lab, _ in made if (d, lab) == ("trap-02", "culex"))
    with pytest.raises(urllib.error.HTTPError) as err:
        fetch(f"{url}/export.csv?token=s3cret&since=yesterday")
    assert err.value.code == 400


def test_dashboard(browser, hub, tmp_path):
    url, made = hub()
    page = Page(browser)
    page.goto(url + "/")
    page.wait("document.querySelectorAll('#recent tbody tr').length > 0")

    devices = page.rows("devices")
    assert [row[0] for row in devices] == ["trap-01", "trap-02", "trap-03"]
    trap1, trap3 = devices[0], devices[2]
    assert "s ago" in trap1[2] and trap1[3] == "3.75 V" and trap1[4] == "40.0 KiB" and trap1[5:9] == [
        "1200", "2", "0", "16"]
    assert trap3[3] == "4.01 V" and trap3[7] == "4 (1 lost)" and trap3[8] == "0"
    assert len(page.rows("recent")) == len(made)

    bars = "[...document.querySelectorAll('#plot svg rect.bar')]"
    assert page.js(f"new Set({bars}.map(r => r.dataset.label)).size") == len(LABELS)
    assert page.js(f"{bars}.every(r => r.getBBox().height > 0)")
    assert page.js("document.querySelector('#legend').textContent").count("(") == len(LABELS)
    page.screenshot(tmp_path / "dashboard.png")
    assert (tmp_path / "dashboard.png").stat().st_size > 10000

    page.choose("range", "24h")  # the 10-day-old detection leaves
    page.wait(f"document.querySelectorAll('#recent tbody tr').length === {len(made) - 1}")
    page.choose("device", "trap-02")
    page.wait("[...document.querySelectorAll('#recent tbody tr')].every(r => r.cells[1].textContent === 'trap-02')")
    page.choose("label", "culex")
    expected = [(d, lab) for d, lab, _ in made[1:] if (d, lab) == ("trap-02", "culex")]
    page.wait(f"document.querySelectorAll('#recent tbody tr').length === {len(expected)} && "
              "[...document.querySelectorAll('#recent tbody tr')].every(r => r.cells[2].textContent === 'culex')")
    assert page.js(f"[...new Set({bars}.map(r => r.dataset.label))]") == ["culex"]

    link = page.js("document.getElementById('csv').href")
    assert "device=trap-02" in link and "label=culex" in link and "since=" in link
    rows = list(csv.DictReader(io.StringIO(fetch(link)[2].decode())))
    assert sorted((r["device"], r["label"]) for r in rows) == expected

    page.goto(page.js("location.href"))  # the filters live in the page's URL
    page.wait(f"document.querySelectorAll('#recent tbody tr').length === {len(expected)}")
    assert page.js("[document.getElementById('device').value, document.getElementById('label').value, "
                   "document.getElementById('range').value]") == ["trap-02", "culex", "24h"]
    assert page.errors() == []


def test_dashboard_token_and_empty_hub(browser, hub):
    url, _ = hub(token="s3cret", filled=False)
    page = Page(browser)
    page.goto(url + "/")
    page.wait("!document.getElementById('error').hidden")
    assert "needs its token" in page.js("document.getElementById('error').textContent")
    page.goto(url + "/?token=s3cret")
    page.wait("document.getElementById('status').textContent.startsWith('updated')")
    assert page.js("document.getElementById('error').hidden")
    text = page.js("document.body.innerText")
    assert "No devices yet" in text and text.count("No detections yet.") == 2
    assert "token=s3cret" in page.js("document.getElementById('csv').href")
    assert page.errors(network=False) == []
