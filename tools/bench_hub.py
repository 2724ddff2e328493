"""Benchmark the fleet hub under load and faults:
`python tools/bench_hub.py [--quick] [--out FILE] [--db sqlite|postgresql ...] [--devices N ...]`.

For each database and fleet size: a fresh Mosquitto (``midge_host.hub.testbed``,
Debian's, on a loopback port) and a fresh database (SQLite: the hub's own WAL and
synchronous=FULL; PostgreSQL: a throwaway cluster with its default fsync and
synchronous_commit), `midge hub serve` as a child process, and a simulated fleet
(``hub_fleet``: paho-mqtt in one child process, up to 100 connections; det at QoS 1,
health at QoS 0, as boards send them) that runs three phases:

- field: every board a detection every DET_EVERY_S s on average (Poisson) and
  health every HEALTH_EVERY_S s;
- burst: every board BURST detections at once (an outbox flushed after an outage),
  "bursts" times, each once the last is stored (the rate: the median burst's);
- faults: the field phase again, while the broker is restarted (SIGTERM, down
  BROKER_DOWN_S) and then the hub is killed (SIGKILL) and started again after
  HUB_DOWN_S.

Latency is publish (the ``t_ms`` the row carries) to commit: PostgreSQL's commit
timestamp of the row (track_commit_timestamp), or for SQLite the first poll (every
POLL_S s) of a reader that sees the row. Lost and duplicated compare every published
key with the rows (health at QoS 0 is not kept for an absent hub: it is counted, not
required). Prints a Markdown table and writes it to --out (default
out/bench/hub.md). --quick: 1,000 boards, shorter phases. Exits 1 if a detection was
lost or a row duplicated. Where no PostgreSQL cluster can be made it is skipped, saying
why (an error when --db postgresql asks for it).
"""

import argparse
import math
import multiprocessing
import os
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path

import hub_fleet  # tools/ is this script's folder
from midge_host.hub import db as hubdb
from midge_host.hub.testbed import HubProcess, Mosquitto, Postgres, Unavailable

ROOT = Path(__file__).resolve().parents[1]
BURST = 5
BROKER_DOWN_S = 1.0
HUB_DOWN_S = 2.0
POLL_S = 0.01
MAX_CLIENTS = 100
FULL = {"devices": (100, 1000), "field_s": 20.0, "bursts": 3, "faults_s": 20.0}
QUICK = {"devices": (1000,), "field_s": 6.0, "bursts": 1, "faults_s": 8.0}


class SqliteCommits:
    """Polls the hub's SQLite file: when each row first became visible."""

    def __init__(self, path):
        self.path = path
        self.seen = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _poll(self):
        conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30)
        last = {"detections": 0, "health": 0}
        queries = {"detections": "SELECT rowid, 'det', device, seq, t_ms FROM detections WHERE rowid > ?",
                   "health": "SELECT rowid, 'health', device, t_ms, t_ms FROM health WHERE rowid > ?"}
        while not self._stop.wait(POLL_S):
            for table, sql in queries.items():
                rows = conn.execute(sql, (last[table],)).fetchall()
                now = time.time()
                for rowid, kind, device, key, t_ms in rows:
                    self.seen[(kind, device, key)] = (t_ms, now)
                    last[table] = max(last[table], rowid)
        conn.close()

    def rows(self, url):
        self._stop.set()
        self._thread.join()
        return self.seen


class PostgresCommits:
    """Reads each row's commit timestamp after the run."""

    def rows(self, url):
        db = hubdb.connect(url)
        try:
            dets = db.query("SELECT 'det', device, seq, t_ms, EXTRACT(EPOCH FROM pg_xact_commit_timestamp(xmin)) "
                            "FROM detections")
            health = db.query("SELECT 'health', device, t_ms, t_ms, "
                              "EXTRACT(EPOCH FROM pg_xact_commit_timestamp(xmin)) FROM health")
        finally:
            db.close()
        return {(kind, device, key): (t_ms, float(at)) for kind, device, key, t_ms, at in dets + health}


def wait_rows(url, dets, health, timeout):
    """Wait until ``dets`` detections are stored and the health rows reach ``health`` or stop
    growing for a second (health is QoS 0: an absent hub misses some)."""
    db = hubdb.connect(url)
    try:
        end, last, still = time.monotonic() + timeout, None, time.monotonic()
        while time.monotonic() < end:
            now = tuple(db.query(f"SELECT COUNT(*) FROM {table}")[0][0] for table in ("detections", "health"))
            if now != last:
                last, still = now, time.monotonic()
            if now[0] >= dets and (now[1] >= health or time.monotonic() - still > 1):
                return
            time.sleep(0.2)
    finally:
        db.close()


def tally(keys):
    """(detections, health messages) among published ``keys``."""
    dets = sum(k[0] == "det" for k in keys)
    return dets, len(keys) - dets


def percentile(values, q):
    """Nearest-rank percentile of sorted ``values``."""
    return values[max(0, math.ceil(q * len(values)) - 1)]


def rate(keys, seen, epoch):
    """Messages stored per second, from the first publish to the last commit."""
    got = [seen[k] for k in keys if k in seen]
    return len(got) / (max(at for _, at in got) - min(epoch + t_ms / 1000 for t_ms, _ in got))


def phase_row(name, phase, seen, epoch, cpu):
    """A phase's figures from what was published and when each row was committed."""
    keys = phase["keys"]
    latency = sorted(at - (epoch + t_ms / 1000) for t_ms, at in (seen[k] for k in keys if k in seen))
    health = [k for k in keys if k[0] == "health"]
    rates = sorted(rate(part, seen, epoch) for part in phase.get("rounds", [keys]))
    return {"phase": name, "messages": len(keys), "offered": len(keys) / max(phase["seconds"], 1e-3),
            "ingested": rates[len(rates) // 2], "lost": sum(k[0] == "det" and k not in seen for k in keys),
            "health": f"{sum(k in seen for k in health)} / {len(health)}",
            "latency": " / ".join(f"{percentile(latency, q) * 1000:,.0f}" for q in (0.5, 0.95, 1.0)),
            "cpu": "-" if cpu is None else f"{cpu / len(keys) * 1000:.2f}"}


def summarize(result):
    """(table rows, rows duplicated, the restarted hub's counts) of one ``run_one``."""
    phases, cpu, stored, counted, epoch, seen = result
    rows = [phase_row(name, phase, seen, epoch, cpu.get(name)) for name, phase in phases.items()]
    published = {k for phase in phases.values() for k in phase["keys"]}
    return rows, stored - len(published & set(seen)), counted


def hub_cpu(hub):
    """CPU seconds the hub process has used (user + system)."""
    fields = Path(f"/proc/{hub.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Fleet:
    """``hub_fleet.Fleet`` in a child process: ``call(method, *args)``, ``send`` (no reply), ``close()``."""

    def __init__(self, **kwargs):
        ctx = multiprocessing.get_context("spawn")
        self.conn, child_conn = ctx.Pipe()
        self.child = ctx.Process(target=hub_fleet.serve, args=(child_conn,), kwargs=kwargs)
        self.child.start()
        child_conn.close()  # so a fleet that dies is an EOFError here, not a hang
        if self.conn.recv() != "ready":
            raise SystemExit("bench_hub: the simulated fleet did not start")

    def send(self, method, *args):
        self.conn.send((method, args))

    def call(self, method, *args):
        self.send(method, *args)
        return self.conn.recv()

    def close(self):
        if self.child.is_alive():
            self.send("close")
            self.child.join(30)
        if self.child.is_alive():
            self.child.kill()


def run_one(dialect, devices, plan, pg, folder):
    """One fleet against a fresh broker, database and hub: (phases, hub CPU s per phase, rows stored,
    what the restarted hub counted, epoch, rows seen)."""
    folder.mkdir(parents=True)
    url = f"sqlite:///{folder / 'hub.db'}" if dialect == "sqlite" else pg.database()
    hubdb.connect(url).close()  # migrated before the watcher opens it
    broker = Mosquitto(folder)
    broker.start()
    hub_args = ["--mqtt", broker.url, "--db", url, "--http", "off", "--client-id", "bench-hub"]
    hub = HubProcess(hub_args)
    fleet = None
    try:
        hub.wait_for("subscribed")
        watcher = SqliteCommits(folder / "hub.db") if dialect == "sqlite" else PostgresCommits()
        epoch = time.time()
        fleet = Fleet(port=broker.port, devices=devices, clients=min(devices, MAX_CLIENTS), epoch=epoch)
        phases, cpu, sent = {}, {}, []
        for name, arg in [("field", plan["field_s"])] + [("burst", BURST)] * plan["bursts"]:
            before = hub_cpu(hub)
            done = fleet.call(name, arg)
            sent += done["keys"]
            wait_rows(url, *tally(sent), 120)
            cpu[name] = cpu.get(name, 0) + hub_cpu(hub) - before
            earlier = phases.get(name, {"keys": [], "seconds": 0, "rounds": []})
            phases[name] = {"keys": earlier["keys"] + done["keys"], "seconds": earlier["seconds"] + done["seconds"],
                            "rounds": earlier["rounds"] + [done["keys"]]}
        fleet.send("field", plan["faults_s"])
        time.sleep(plan["faults_s"] * 0.25)
        broker.stop()
        time.sleep(BROKER_DOWN_S)
        broker.start()
        time.sleep(plan["faults_s"] * 0.25)
        hub.kill()
        time.sleep(HUB_DOWN_S)
        hub = HubProcess(hub_args)
        phases["faults"] = fleet.conn.recv()
        hub.wait_for("session resumed", timeout=30)
        sent += phases["faults"]["keys"]
        unacked = fleet.call("drain", 60)
        if unacked:
            raise SystemExit(f"bench_hub: {unacked} detections never acknowledged by the broker")
        wait_rows(url, *tally(sent), 120)
        hub.stop()
    finally:
        if fleet is not None:
            fleet.close()
        if hub.proc.poll() is None:
            hub.kill()
        broker.stop()
    last = next((line for line in reversed(hub.lines) if "duplicate" in line), "")
    db = hubdb.connect(url)
    try:
        stored = sum(db.query(f"SELECT COUNT(*) FROM {table}")[0][0] for table in ("detections", "health"))
    finally:
        db.close()
    return phases, cpu, stored, last.split(": ", 1)[-1].strip(), epoch, watcher.rows(url)


def table(summaries):
    lines = ["| database | boards | phase | messages | offered msg/s | ingested msg/s | latency ms p50 / p95 / max "
             "| hub CPU ms / msg | det lost | duplicated | health stored |",
             "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for (dialect, devices), (rows, duplicated, _) in summaries.items():
        for row in rows:
            lines.append(f"| {dialect} | {devices:,} | {row['phase']} | {row['messages']:,} | {row['offered']:,.0f} "
                         f"| {row['ingested']:,.0f} | {row['latency']} | {row['cpu']} | {row['lost']} "
                         f"| {duplicated if row['phase'] == 'faults' else '-'} | {row['health']} |")
    lines.append("")
    for (dialect, devices), (_, _, counted) in summaries.items():
        lines.append(f"- {dialect}, {devices:,} boards: the restarted hub counted {counted}.")
    return "\n".join(lines) + "\n"


def explain(err):
    return f"{err} ({err.hint})" if err.hint else str(err)


def start_postgres():
    """(a started throwaway cluster, None), or (None, why not)."""
    try:
        pg = Postgres(Path(tempfile.gettempdir()) / f"midge-bench-pg-{os.getpid()}", {"track_commit_timestamp": "on"})
    except Unavailable as err:
        return None, explain(err)
    try:
        pg.start()
    except Unavailable as err:
        pg.stop()
        return None, explain(err)
    return pg, None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 boards, shorter phases")
    parser.add_argument("--out", default=str(ROOT / "out/bench/hub.md"))
    parser.add_argument("--db", action="append", choices=("sqlite", "postgresql"), help="default: both")
    parser.add_argument("--devices", action="append", type=int, help="fleet sizes (default 100 and 1,000)")
    args = parser.parse_args(argv)
    plan = dict(QUICK if args.quick else FULL)
    plan["devices"] = tuple(args.devices or plan["devices"])
    dialects = args.db or ["sqlite", "postgresql"]
    summaries, notes, pg = {}, [], None
    if "postgresql" in dialects:
        pg, why = start_postgres()
        if pg is None and args.db:
            raise SystemExit(f"bench_hub: {why}")
        if pg is None:
            dialects.remove("postgresql")
            notes.append(f"- postgresql skipped: {why}.")
            print(f"bench_hub: {notes[-1][2:]}", file=sys.stderr)
    try:
        with tempfile.TemporaryDirectory(prefix="midge-bench-hub-") as tmp:
            for dialect in dialects:
                for devices in plan["devices"]:
                    print(f"bench_hub: {dialect}, {devices} boards", file=sys.stderr, flush=True)
                    result = run_one(dialect, devices, plan, pg, Path(tmp) / f"{dialect}-{devices}")
                    summaries[(dialect, devices)] = summarize(result)
    except Unavailable as err:
        raise SystemExit(f"bench_hub: {explain(err)}")
    finally:
        if pg is not None:
            pg.stop()
    text = table(summaries) + "".join(f"{note}\n" for note in notes)
    print(text)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    failed = [key for key, (rows, duplicated, _) in summaries.items()
              if duplicated or any(row["lost"] for row in rows)]
    if failed:
        print(f"bench_hub: messages lost or duplicated: {failed}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
