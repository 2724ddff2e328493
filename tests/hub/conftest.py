"""Fixtures for the hub: a database per test (SQLite, and PostgreSQL in a throwaway
cluster), a Mosquitto broker on a free loopback port, and `midge hub serve` as a
process.

The services come from ``midge_host.hub.testbed``; a fixture whose service cannot be
made here skips, saying why.

- ``db_url``: parametrized over "sqlite" and "postgresql" (Debian's ``initdb`` and
  ``pg_ctl``, run as postgres or nobody when this is root);
- ``pg_url``: a fresh PostgreSQL database;
- ``mosquitto``: a ``Mosquitto`` with ``port``, ``url``, ``stop()``, ``start()``
  (persistence on, so a restart keeps sessions and queued messages);
- ``hub_process(db_url, broker_url, *extra, client_id=None, http="off")``: a started
  hub, ``HubProcess`` with
  ``wait_for(text)``, ``kill()``, ``stop()``.
"""

import tempfile
import uuid

import pytest

from midge_host.hub.testbed import HubProcess, Mosquitto, Postgres, Unavailable


def skip_unavailable(err):
    pytest.skip(f"{err} ({err.hint})" if err.hint else str(err))


@pytest.fixture
def mosquitto(tmp_path):
    try:
        broker = Mosquitto(tmp_path)
    except Unavailable as err:
        skip_unavailable(err)
    broker.start()
    yield broker
    broker.stop()


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


@pytest.fixture(scope="session")
def pg_server():
    """A throwaway PostgreSQL cluster on a free loopback port: a ``Postgres``."""
    try:
        server = Postgres(tempfile.mkdtemp(prefix="midge-pg-"), {"fsync": "off"})
    except Unavailable as err:
        skip_unavailable(err)
    try:
        server.start()
    except Unavailable as err:
        server.stop()
        skip_unavailable(err)
    yield server
    server.stop()


@pytest.fixture
def pg_url(pg_server):
    return pg_server.database()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'hub.db'}"
    return request.getfixturevalue("pg_url")
