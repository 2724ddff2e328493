"""Run the hub: ``serve(db_url, broker, projects, http=None, token=None, log=..., stop=None)`` until
SIGTERM, SIGINT (in the main thread) or ``stop``.

``Broker`` says how to reach the MQTT broker: ``Broker.from_url("mqtt://HOST:PORT")``
(``mqtts://`` or ``tls=True``: TLS, port 8883 by default, ``cafile`` for a private
CA, ``certfile``/``keyfile`` for a client certificate), ``username``/``password``
and ``client_id``. A broker whose certificate is not trusted stops ``serve`` with a
MidgeError at start (``check_certificate``), as refused credentials do; one that
cannot be reached is retried.

Delivery: the hub subscribes to ``midge_host.hub.ingest.TOPICS`` with QoS 1 in a
persistent session (clean_session False, a fixed client id), so the broker keeps
the subscription and queues messages while the hub is away, and delivers again
every message the hub had not acknowledged. A message is acknowledged after its
transaction commits (paho sends PUBACK when ``on_message`` returns), and storing is
idempotent: each message is stored once. paho reconnects after a lost connection
(1 s, backing off to 30 s). A broker that grants only QoS 0 (The Things Stack's MQTT
server) is logged: what it sends while the hub is away is lost there.

The HTTP API (``midge_host.hub.api``), when ``http`` is (host, port), runs in a
thread on its own database connection. A database error while storing stops the hub
(MidgeError) before the message is acknowledged.
"""

import signal
import sys
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from midge_host.errors import MidgeError
from midge_host.hub import api, db as hubdb
from midge_host.hub.ingest import TOPICS, Ingest
from midge_host.hub.store import Store


def log_stderr(message):
    print(f"midge hub {time.strftime('%H:%M:%S')}: {message}", file=sys.stderr, flush=True)


@dataclass
class Broker:
    host: str
    port: int
    tls: bool = False
    cafile: str = None
    certfile: str = None
    keyfile: str = None
    username: str = None
    password: str = None
    client_id: str = "midge-hub"

    @classmethod
    def from_url(cls, url, tls=False, **options):
        parts = urlsplit(url)
        if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
            raise MidgeError(f"unknown broker URL {url!r}", hint="use mqtt://HOST:1883 or mqtts://HOST:8883")
        tls = tls or parts.scheme == "mqtts"
        try:
            port = parts.port or (8883 if tls else 1883)
        except ValueError:
            raise MidgeError(f"bad port in broker URL {url!r}") from None
        return cls(parts.hostname, port, tls, **options)


def _tls_context(broker):
    import ssl

    try:
        context = ssl.create_default_context(cafile=broker.cafile)
        if broker.certfile:
            context.load_cert_chain(broker.certfile, broker.keyfile)
    except (OSError, ValueError) as err:
        raise MidgeError(f"TLS set-up failed: {err}", hint="check --cafile, --certfile and --keyfile") from None
    return context


def check_certificate(broker, context, timeout=10):
    """Raise MidgeError when the broker's TLS certificate is not trusted (retrying would not
    help); a broker that cannot be reached yet is left to the connect loop's retries."""
    import socket
    import ssl

    try:
        with socket.create_connection((broker.host, broker.port), timeout=timeout) as sock:
            with context.wrap_socket(sock, server_hostname=broker.host):
                pass
    except ssl.SSLCertVerificationError as err:
        raise MidgeError(f"the broker's TLS certificate is not trusted: {err.verify_message}",
                         hint="give the CA that signed it with --cafile") from None
    except OSError:
        pass


def _client(broker):
    import paho.mqtt.client as mqtt

    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=broker.client_id, clean_session=False,
                         protocol=mqtt.MQTTv311)
    if broker.username is not None:
        client.username_pw_set(broker.username, broker.password)
    if broker.tls:
        context = _tls_context(broker)
        check_certificate(broker, context)
        client.tls_set_context(context)
    client.reconnect_delay_set(1, 30)
    return client


def serve(db_url, broker, projects, http=None, token=None, log=log_stderr, stop=None):
    """Ingest until stopped; returns the ``Ingest.counts``. ``stop``: a threading.Event
    another thread may set."""
    db = hubdb.connect(db_url)
    ingest = Ingest(Store(db), projects)
    client = _client(broker)
    failure = []

    def on_connect(client, userdata, flags, reason_code, properties):
        if reason_code.is_failure:
            failure.append(f"the broker refused the connection: {reason_code}")
            client.disconnect()
            return
        log(f"connected to {broker.host}:{broker.port} as {broker.client_id} "
            f"({'session resumed' if flags.session_present else 'new session'})")
        client.subscribe([(topic, 1) for topic in TOPICS])

    def on_subscribe(client, userdata, mid, reason_codes, properties):
        granted = [int(code.value) for code in reason_codes]
        if any(code >= 0x80 for code in granted):
            log(f"the broker refused a subscription ({dict(zip(TOPICS, granted))}): check its ACL for this user")
        elif any(code == 0 for code in granted):
            log("the broker granted QoS 0: messages sent while the hub is away are not kept for it")
        log(f"subscribed to {', '.join(TOPICS)}")

    def on_message(client, userdata, message):
        outcome = ingest.handle(message.topic, message.payload)
        if outcome == "quarantined":
            log(f"quarantined a message on {message.topic} (does not parse; see the quarantine table)")

    def on_disconnect(client, userdata, flags, reason_code, properties):
        if not (stop and stop.is_set()) and not failure:
            log(f"lost the broker ({reason_code}); reconnecting")

    def on_connect_fail(client, userdata):
        log(f"cannot reach the broker at {broker.host}:{broker.port}; retrying")

    client.on_connect = on_connect
    client.on_connect_fail = on_connect_fail
    client.on_subscribe = on_subscribe
    client.on_message = on_message
    client.on_disconnect = on_disconnect

    server = None
    api_db = None
    stop = stop or threading.Event()
    try:
        if http is not None:
            api_db = hubdb.connect(db_url)
            try:
                server = api.start(api_db, http[0], http[1], token)
            except OSError as err:
                raise MidgeError(f"cannot listen on {http[0]}:{http[1]}: {err}", hint="pick another --http port") from None
            log(f"dashboard and HTTP API on {server.url}/" + (" (token required: add ?token=TOKEN)" if token else ""))
        if threading.current_thread() is threading.main_thread():
            for number in (signal.SIGTERM, signal.SIGINT):
                signal.signal(number, lambda *_: stop.set())
        threading.Thread(target=lambda: (stop.wait(), client.disconnect()), daemon=True).start()
        client.connect_async(broker.host, broker.port, keepalive=30)
        try:
            client.loop_forever(retry_first_connection=True)
        except hubdb.errors() as err:
            raise MidgeError(f"database error, the message was not acknowledged: {str(err).strip()}",
                             hint="fix the database and start the hub again: the broker sends the message again") from None
        if failure:
            raise MidgeError(failure[0], hint="check --username and --password (or MIDGE_MQTT_PASSWORD)")
    finally:
        stop.set()
        if server is not None:
            server.shutdown()
            server.server_close()
        for conn in (api_db, db):
            if conn is not None:
                conn.close()
    return ingest.counts
