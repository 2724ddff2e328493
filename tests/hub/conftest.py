"""Fixtures for the hub: a database per test (SQLite, and PostgreSQL in a throwaway
cluster), a Mosquitto broker on a free loopback port, and `midge hub serve` as a
process.

- ``db_url``: parametrized over "sqlite" and "postgresql"; the PostgreSQL case skips,
  saying why, where no cluster can be made (Debian's ``initdb``/``pg_ctl`` missing,
  or running as root with no other user to run them as: then they run as postgres
  or nobody);
- ``pg_url``: a fresh PostgreSQL database;
- ``mosquitto``: a ``Mosquitto`` with ``port``, ``url``, ``stop()``, ``start()``
  (persistence on, so a restart keeps sessions and queued messages);
- ``hub_process(db_url, broker_url, *extra, client_id=None, http="off")``: a started
  hub, ``HubProcess`` with
  ``wait_for(text)``, ``kill()``, ``stop()``.
"""

import getpass
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pytest

MOSQUITTO = "/usr/sbin/mosquitto"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.02)
    raise TimeoutError(f"nothing listens on port {port} after {timeout} s")


class Mosquitto:
    def __init__(self, folder):
        self.folder = Path(folder)
        self.port = free_port()
        self.url = f"mqtt://127.0.0.1:{self.port}"
        self.conf = self.folder / "mosquitto.conf"
        self.conf.write_text(f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence true\n"
                             f"persistence_location {self.folder}/\nmax_queued_messages 100000\n"
                             f"user {getpass.getuser()}\nlog_dest file {self.folder}/mosquitto.log\n")
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen([MOSQUITTO, "-c", str(self.conf)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        wait_port(self.port)

    def stop(self):
        if self.proc is not None:
            self.proc.terminate()  # SIGTERM: mosquitto saves its persistence file
            self.proc.wait(10)
            self.proc = None


@pytest.fixture
def mosquitto(tmp_path):
    if not os.access(MOSQUITTO, os.X_OK):
        pytest.skip(f"{MOSQUITTO} not found: apt-get install mosquitto")
    broker = Mosquitto(tmp_path)
    broker.start()
    yield broker
    broker.stop()


class HubProcess:
    def __init__(self, args):
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen([sys.executable, "-m", "midge_host", "hub", "serve"] + args, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line)

    def wait_for(self, text, timeout=20.0, count=1):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if sum(text in line for line in self.lines) >= count:
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        raise AssertionError(f"hub did not log {text!r}; it logged:\n{''.join(self.lines)}")

    def kill(self):
        self.proc.kill()
        self.proc.wait(10)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(10)
        self._reader.join(5)
        return self.proc.returncode


@pytest.fixture
def hub_process():
    started = []

    def start(db_url, broker_url, *extra, client_id=None, http="off"):
        hub = HubProcess(["--mqtt", broker_url, "--db", db_url, "--http", http, "--client-id",
                          client_id or f"test-{uuid.uuid4().hex[:8]}"] + list(extra))
        started.append(hub)
        return hub

    yield start
    for hub in started:
        if hub.proc.poll() is None:
            hub.kill()


def _pg_tool(name):
    """``name`` on PATH, else from Debian's newest /usr/lib/postgresql/<version>/bin."""
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parts[-3]))
    return str(versions[-1]) if versions else None


def _pg_user():
    """Who runs PostgreSQL: this user, or when root (initdb refuses root) postgres or nobody."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            subprocess.run(["id", name], check=True, capture_output=True)
            return name
        except subprocess.CalledProcessError:
            continue
    pytest.skip("PostgreSQL: running as root and no postgres or nobody user to run initdb as")


@pytest.fixture(scope="session")
def pg_server():
    """A throwaway PostgreSQL cluster on a free loopback port: its base URL (no database)."""
    pytest.importorskip("psycopg", reason='PostgreSQL tests need psycopg: pip install "psycopg[binary]"')
    initdb, pg_ctl = _pg_tool("initdb"), _pg_tool("pg_ctl")
    if not (initdb and pg_ctl):
        pytest.skip("PostgreSQL tests need initdb and pg_ctl, on PATH or in /usr/lib/postgresql/*/bin "
                    "(Debian: apt-get install postgresql)")
    user = _pg_user()
    folder = Path(tempfile.mkdtemp(prefix="midge-pg-"))
    run_as = []
    if user:
        shutil.chown(folder, user)
        run_as = ["runuser", "-u", user, "--"]
    data, port = folder / "data", free_port()
    made = subprocess.run(run_as + [initdb, "-D", str(data), "-A", "trust", "-U", "midge", "--no-sync"],
                          capture_output=True, text=True)
    if made.returncode:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.skip(f"initdb failed (as {user or getpass.getuser()}): {made.stderr.strip()[-300:]}")
    started = subprocess.run(run_as + [pg_ctl, "-D", str(data), "-l", str(folder / "log"), "-w", "-o",
                                       f"-k {folder} -p {port} -c listen_addresses=127.0.0.1 -c fsync=off",
                                       "start"], capture_output=True, text=True)
    if started.returncode:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.skip(f"pg_ctl start failed: {started.stderr.strip()[-300:]}")
    yield f"postgresql://midge@127.0.0.1:{port}"
    subprocess.run(run_as + [pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True)
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def pg_url(pg_server):
    import psycopg

    name = f"t{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"{pg_server}/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return f"{pg_server}/{name}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'hub.db'}"
    return request.getfixturevalue("pg_url")
