"""`midge hub {serve,import,export}`: receive a fleet's messages into one database.

- ``serve --mqtt mqtt://HOST:PORT [--db URL] [--http ADDR] [--token T] [--project [PATTERN=]DIR ...]
  [--username U --password P] [--tls --cafile F --certfile F --keyfile F] [--client-id ID]``:
  ingest until Ctrl-C or SIGTERM (``midge_host.hub.serve``); the HTTP API listens on
  127.0.0.1:8765 unless ``--http off``, and needs a token (``--token`` or one made and
  printed) on any other address;
- ``import DIR/pulled --device NAME [--db URL]``: a log fetched by `midge pull`
  (``midge_host.hub.importer``);
- ``export --out FILE.csv [--db URL]``: one row per detection.

``--db`` defaults to ``sqlite:///hub.db`` (env MIDGE_HUB_DB); the broker password to
env MIDGE_MQTT_PASSWORD, so it need not show in the process list.
"""

import ipaddress
import os
import secrets
import sys

from midge_host.errors import MidgeError

DEFAULT_DB = "sqlite:///hub.db"
DEFAULT_HTTP = "127.0.0.1:8765"


def register(subparsers):
    parser = subparsers.add_parser("hub", help="receive a fleet's detections into one database",
                                   description="Receive detections, health and LoRaWAN uplinks from a fleet "
                                               "over MQTT into SQLite or PostgreSQL, with an HTTP API.")
    sub = parser.add_subparsers(dest="hub_command", metavar="SUBCOMMAND")
    parser.set_defaults(func=lambda args: _usage(parser))

    def add_db(p):
        p.add_argument("--db", default=os.environ.get("MIDGE_HUB_DB", DEFAULT_DB), metavar="URL",
                       help=f"sqlite:///PATH or postgresql://USER:PASSWORD@HOST:PORT/DB (default {DEFAULT_DB}, "
                            "env MIDGE_HUB_DB)")

    p = sub.add_parser("serve", help="ingest MQTT messages until stopped",
                       description="Subscribe (QoS 1, persistent session) to midge/+/det, midge/+/health and "
                                   "The Things Stack's v3/+/devices/+/up, and store every message once.")
    p.add_argument("--mqtt", required=True, metavar="URL", help="the broker: mqtt://HOST:1883 or mqtts://HOST:8883")
    add_db(p)
    p.add_argument("--http", default=DEFAULT_HTTP, metavar="ADDR",
                   help=f"HOST:PORT for the dashboard and HTTP API (default {DEFAULT_HTTP}; 'off' for none)")
    p.add_argument("--token", default=os.environ.get("MIDGE_HUB_TOKEN"),
                   help="the API's access token (env MIDGE_HUB_TOKEN; made and printed when the API listens "
                        "beyond loopback without one)")
    p.add_argument("--project", action="append", default=[], metavar="[PATTERN=]DIR",
                   help="a built project whose labels LoRaWAN uplinks count; PATTERN picks devices by id "
                        "(e.g. trap-*=mosq); repeatable")
    p.add_argument("--username", help="broker user name")
    p.add_argument("--password", default=os.environ.get("MIDGE_MQTT_PASSWORD"),
                   help="broker password (env MIDGE_MQTT_PASSWORD)")
    p.add_argument("--tls", action="store_true", help="TLS to the broker (implied by mqtts://)")
    p.add_argument("--cafile", help="CA certificate(s) for the broker (default: the system's)")
    p.add_argument("--certfile", help="client certificate, for brokers that ask for one")
    p.add_argument("--keyfile", help="the client certificate's key")
    p.add_argument("--client-id", default="midge-hub",
                   help="MQTT client id, fixed so the broker keeps this hub's session (default midge-hub)")
    p.set_defaults(func=do_serve)

    p = sub.add_parser("import", help="load a log fetched by `midge pull`",
                       description="Load DIR/pulled/detections.csv into the database, skipping records "
                                   "stored already (imported before, or received over MQTT: the same boot "
                                   "and seq).")
    p.add_argument("source", metavar="DIR/pulled", help="what `midge pull` wrote (or its detections.csv)")
    p.add_argument("--device", required=True,
                   help="the board's device id, as in its MQTT topics (a pulled log does not name it)")
    add_db(p)
    p.set_defaults(func=do_import)

    p = sub.add_parser("export", help="write one CSV row per detection",
                       description="Write every detection to a CSV file (replaced atomically).")
    add_db(p)
    p.add_argument("--out", required=True, metavar="FILE.csv", help="the CSV file")
    p.set_defaults(func=do_export)


def _usage(parser):
    parser.print_help(sys.stderr)
    return 2


def parse_http(value):
    """(host, port) from HOST:PORT, [IPv6]:PORT, :PORT or PORT; None for 'off'."""
    if value == "off":
        return None
    host, sep, port = value.rpartition(":")
    if not sep:
        host, port = "", value
    host = host.strip("[]") or "127.0.0.1"
    try:
        number = int(port)
    except ValueError:
        number = -1
    if not 0 <= number <= 65535:
        raise MidgeError(f"--http {value!r} is not HOST:PORT", hint="e.g. --http 127.0.0.1:8765 or --http off")
    return host, number


def is_loopback(host):
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def do_serve(args):
    from midge_host.hub.projects import Projects
    from midge_host.hub.serve import Broker, log_stderr, serve

    http = parse_http(args.http)
    token = args.token
    if http is not None and token is None and not is_loopback(http[0]):
        token = secrets.token_urlsafe(18)
        print(f"midge hub: the API listens on {http[0]}: its token is {token}", file=sys.stderr, flush=True)
    if args.password is not None and args.username is None:
        raise MidgeError("--password needs --username")
    broker = Broker.from_url(args.mqtt, tls=args.tls, cafile=args.cafile, certfile=args.certfile,
                             keyfile=args.keyfile, username=args.username, password=args.password,
                             client_id=args.client_id)
    counts = serve(args.db, broker, Projects(args.project), http, token)
    log_stderr(", ".join(f"{n} {what}" for what, n in counts.items()))
    return 0


def do_import(args):
    from midge_host.hub.db import connect
    from midge_host.hub.importer import import_pulled
    from midge_host.hub.store import Store

    db = connect(args.db)
    try:
        counts = import_pulled(Store(db), args.source, args.device)
    finally:
        db.close()
    print(f"{args.device}: {counts['read']} records read, {counts['added']} added, "
          f"{counts['already']} stored already")
    return 0


def do_export(args):
    from midge_host.hub.db import connect
    from midge_host.hub.export import export

    db = connect(args.db)
    try:
        rows = export(db, args.out)
    finally:
        db.close()
    print(f"{rows} detections written to {args.out}")
    return 0
