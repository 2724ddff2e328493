"""The hub's HTTP JSON API (standard library ``http.server``, one thread per request).

``start(db, host, port, token=None) -> server``: serving in a daemon thread;
``server.url``; ``server.shutdown()`` stops it. With a ``token`` every request must
carry it (``Authorization: Bearer TOKEN`` or ``?token=TOKEN``), else 401; the
command requires one when the API listens beyond loopback.

- ``GET /api/devices``: ``{"devices": [...]}`` (``queries.devices``);
- ``GET /api/detections?device=&label=&since=&until=&source=&limit=``: newest
  first, ``limit`` 1..10000 (default 1000);
- ``GET /api/counts?bucket=hour|day&device=&label=&since=&until=``;
- ``GET /export.csv?device=&label=&since=&until=&source=``: the detections that
  pass the filters, one CSV row each (``midge_host.hub.export``);
- ``GET /``, ``/app.js``, ``/style.css``: the dashboard (``static/``), which reads
  the API; served without the token (they hold no data): the page takes the token
  from its own ``?token=``.

``since``/``until``: ISO 8601 dates or times (``midge_host.hub.clock.normalize``).
A bad parameter is a 400 with ``{"error": "..."}`` naming it.
"""

import hmac
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from urllib.parse import parse_qs, urlsplit

from midge_host.hub import clock, export, queries

MAX_LIMIT = 10000
FILTERS = ("device", "label", "since", "until", "source")
STATIC = {"/": ("index.html", "text/html; charset=utf-8"),
          "/app.js": ("app.js", "text/javascript; charset=utf-8"),
          "/style.css": ("style.css", "text/css; charset=utf-8")}


class BadRequest(ValueError):
    pass


def _params(query, allowed):
    params = {}
    for key, values in parse_qs(query, keep_blank_values=True).items():
        if key == "token":
            continue
        if key not in allowed:
            raise BadRequest(f"unknown parameter {key!r} (this endpoint takes {', '.join(allowed) or 'none'})")
        if values[-1] != "":
            params[key] = values[-1]
    for key in ("since", "until"):
        if key in params:
            try:
                params[key] = clock.normalize(params[key])
            except ValueError as err:
                raise BadRequest(f"{key}: {err}") from None
    return params


def _detections(db, query):
    params = _params(query, FILTERS + ("limit",))
    try:
        limit = int(params.pop("limit", 1000))
    except ValueError:
        raise BadRequest("limit must be an integer") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise BadRequest(f"limit must be 1..{MAX_LIMIT}, got {limit}")
    return {"detections": queries.detections(db, limit=limit, **params)}


def _counts(db, query):
    params = _params(query, ("bucket", "device", "label", "since", "until"))
    bucket = params.pop("bucket", "hour")
    if bucket not in queries.BUCKETS:
        raise BadRequest(f"bucket must be one of {', '.join(queries.BUCKETS)}, got {bucket!r}")
    return {"bucket": bucket, "counts": queries.counts(db, bucket, **params)}


def _devices(db, query):
    _params(query, ())
    return {"devices": queries.devices(db)}


ROUTES = {
    "/api/devices": _devices,
    "/api/detections": _detections,
    "/api/counts": _counts,
}


class Handler(BaseHTTPRequestHandler):
    server_version = "midge-hub"

    def log_message(self, *args):
        pass

    def _send(self, status, body, content_type="application/json"):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def _json(self, status, doc):
        self._send(status, json.dumps(doc, indent=1) + "\n")

    def _authorized(self, query):
        token = self.server.token
        if token is None:
            return True
        offered = self.headers.get("Authorization", "")
        offered = offered[7:] if offered.startswith("Bearer ") else parse_qs(query).get("token", [""])[-1]
        return hmac.compare_digest(offered.encode(), token.encode())

    def do_GET(self):
        url = urlsplit(self.path)
        if url.path in STATIC:
            name, content_type = STATIC[url.path]
            return self._send(200, (files(__package__) / "static" / name).read_bytes(), content_type)
        if not self._authorized(url.query):
            return self._json(401, {"error": "this hub needs its token: Authorization: Bearer TOKEN or ?token=TOKEN"})
        try:
            if url.path == "/export.csv":
                text = export.csv_text(self.server.db, **_params(url.query, FILTERS))[0]
                return self._send(200, text, "text/csv; charset=utf-8")
            route = ROUTES.get(url.path)
            if route is None:
                return self._json(404, {"error": f"no such endpoint {url.path} (try {', '.join(ROUTES)}, /export.csv)"})
            return self._json(200, route(self.server.db, url.query))
        except BadRequest as err:
            return self._json(400, {"error": str(err)})


class Server(ThreadingHTTPServer):
    daemon_threads = True


class Server6(Server):
    address_family = socket.AF_INET6


def start(db, host="127.0.0.1", port=8765, token=None):
    server = (Server6 if ":" in host else Server)((host, port), Handler)
    server.db = db
    server.token = token
    shown = f"[{host}]" if ":" in host else host
    server.url = f"http://{shown}:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, name="midge-hub-http", daemon=True).start()
    return server
