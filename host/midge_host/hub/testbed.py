"""Throwaway services for trying the hub on one machine (its tests and tools/bench_hub.py).

- ``free_port()``, ``wait_port(port)``: loopback TCP ports;
- ``Mosquitto(folder)``: Debian's mosquitto on a free loopback port (``port``,
  ``url``), configured as docs/field-deployment.md advises: persistence on, so ``stop()``
  (SIGTERM: it saves its sessions and queued messages) and ``start()`` again keep them,
  and ``set_tcp_nodelay`` (without it the broker held messages back up to ~40 ms behind a
  QoS 0 one: Nagle's algorithm waiting for the hub's delayed ACK); ``secure=True``:
  TLS only (``url`` mqtts://, the server's certificate signed by a throwaway CA whose
  certificate is ``ca``, made with openssl) and a login (``username``, ``password``
  in a mosquitto_passwd file), anonymous clients refused;
- ``Postgres(folder, settings)``: a PostgreSQL cluster made with Debian's ``initdb``
  and started with ``pg_ctl`` on a free loopback port, run as ``postgres`` or
  ``nobody`` when this is root (``initdb`` refuses root); ``start()`` returns its
  base URL, ``database()`` makes a fresh database and returns its URL;
- ``HubProcess(args)``: ``midge hub serve ARGS`` as a child process, its output kept
  in ``lines``: ``wait_for(text)``, ``kill()`` (SIGKILL: no goodbye), ``stop()``
  (SIGTERM).

``Unavailable`` (a MidgeError) says what is missing when a service cannot be made.
"""

import getpass
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

from midge_host.errors import MidgeError

MOSQUITTO = "/usr/sbin/mosquitto"
MOSQUITTO_PASSWD = "/usr/bin/mosquitto_passwd"


class Unavailable(MidgeError):
    """A service the test bed needs cannot be made here."""


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


def _run(*command):
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        raise Unavailable(f"{command[0]} {command[1]} failed: {done.stderr.strip()}")


def make_certificates(folder):
    """(ca.crt, server.crt, server.key) in ``folder``: a throwaway CA and a certificate it
    signed for 127.0.0.1 (EC P-256, valid 2 days)."""
    if not shutil.which("openssl"):
        raise Unavailable("openssl not found", hint="apt-get install openssl")
    ca, crt, key = folder / "ca.crt", folder / "server.crt", folder / "server.key"
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    _run("openssl", "req", "-x509", *ec, "-keyout", str(folder / "ca.key"), "-out", str(ca), "-days", "2",
         "-subj", "/CN=midge test CA")
    _run("openssl", "req", *ec, "-keyout", str(key), "-out", str(folder / "server.csr"), "-subj", "/CN=127.0.0.1")
    (folder / "san.cnf").write_text("subjectAltName=IP:127.0.0.1\n")
    _run("openssl", "x509", "-req", "-in", str(folder / "server.csr"), "-CA", str(ca), "-CAkey",
         str(folder / "ca.key"), "-CAcreateserial", "-out", str(crt), "-days", "2", "-extfile",
         str(folder / "san.cnf"))
    return ca, crt, key


class Mosquitto:
    def __init__(self, folder, secure=False):
        if not os.access(MOSQUITTO, os.X_OK):
            raise Unavailable(f"{MOSQUITTO} not found", hint="apt-get install mosquitto")
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"{'mqtts' if secure else 'mqtt'}://127.0.0.1:{self.port}"
        access = "allow_anonymous true\n"
        if secure:
            self.ca, crt, key = make_certificates(self.folder)
            self.username, self.password = "midge-hub", uuid.uuid4().hex
            _run(MOSQUITTO_PASSWD, "-c", "-b", str(self.folder / "passwd"), self.username, self.password)
            access = (f"allow_anonymous false\npassword_file {self.folder}/passwd\n"
                      f"cafile {self.ca}\ncertfile {crt}\nkeyfile {key}\n")
        self.conf = self.folder / "mosquitto.conf"
        self.conf.write_text(f"listener {self.port} 127.0.0.1\n{access}persistence true\n"
                             f"persistence_location {self.folder}/\nmax_queued_messages 100000\n"
                             f"set_tcp_nodelay true\nuser {getpass.getuser()}\n"
                             f"log_dest file {self.folder}/mosquitto.log\n")
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


def pg_tool(name):
    """``name`` on PATH, else from Debian's newest /usr/lib/postgresql/<version>/bin; None if neither."""
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parts[-3]))
    return str(versions[-1]) if versions else None


def pg_user():
    """Who runs PostgreSQL: None (this user), or when root (initdb refuses root) postgres or nobody."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        if subprocess.run(["id", name], capture_output=True).returncode == 0:
            return name
    raise Unavailable("PostgreSQL: running as root and no postgres or nobody user to run initdb as")


class Postgres:
    """A throwaway cluster in ``folder`` (which it owns and removes: a folder of its own, e.g.
    ``tempfile.mkdtemp()``, that the postgres user can reach); ``settings``: server options,
    e.g. {"fsync": "off"}."""

    def __init__(self, folder, settings=None):
        try:
            import psycopg  # noqa: F401  (the hub's driver; checked before a cluster is made for nothing)
        except ImportError:
            raise Unavailable("PostgreSQL needs psycopg", hint='pip install "psycopg[binary]"') from None
        self.initdb, self.pg_ctl = pg_tool("initdb"), pg_tool("pg_ctl")
        if not (self.initdb and self.pg_ctl):
            raise Unavailable("initdb and pg_ctl are not on PATH nor in /usr/lib/postgresql/*/bin",
                              hint="apt-get install postgresql")
        self.user = pg_user()
        self.folder = Path(folder)
        self.settings = dict(settings or {})
        self.run_as = ["runuser", "-u", self.user, "--"] if self.user else []
        self.port = free_port()
        self.url = f"postgresql://midge@127.0.0.1:{self.port}"

    def start(self):
        self.folder.mkdir(parents=True, exist_ok=True)
        if self.user:
            shutil.chown(self.folder, self.user)
        data = self.folder / "data"
        made = subprocess.run(self.run_as + [self.initdb, "-D", str(data), "-A", "trust", "-U", "midge", "--no-sync"],
                              capture_output=True, text=True)
        if made.returncode:
            raise Unavailable(f"initdb failed (as {self.user or getpass.getuser()}): {made.stderr.strip()[-300:]}")
        options = f"-k {self.folder} -p {self.port} -c listen_addresses=127.0.0.1" + "".join(
            f" -c {key}={value}" for key, value in self.settings.items())
        started = subprocess.run(self.run_as + [self.pg_ctl, "-D", str(data), "-l", str(self.folder / "log"), "-w",
                                                "-o", options, "start"], capture_output=True, text=True)
        if started.returncode:
            raise Unavailable(f"pg_ctl start failed: {started.stderr.strip()[-300:]}")
        return self.url

    def database(self):
        import psycopg

        name = f"t{uuid.uuid4().hex[:12]}"
        with psycopg.connect(f"{self.url}/postgres", autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return f"{self.url}/{name}"

    def stop(self):
        subprocess.run(self.run_as + [self.pg_ctl, "-D", str(self.folder / "data"), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(self.folder, ignore_errors=True)


class HubProcess:
    def __init__(self, args):
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen([sys.executable, "-m", "midge_host", "hub", "serve"] + list(args), env=env,
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
